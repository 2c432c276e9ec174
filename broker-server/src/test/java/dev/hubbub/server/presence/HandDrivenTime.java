package dev.hubbub.server.presence;

import dev.hubbub.core.presence.PresenceTimers;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The broker's clock and presence timers, moved by the test: {@link #advance} moves the clock and
 * runs the presence tasks that fell due, on the calling thread. Starts at the real time so tokens
 * and TokenRequest timestamps stay plausible.
 */
final class HandDrivenTime extends Clock implements PresenceTimers {
    private record Task(long dueAt, long seq, Runnable run) {}

    private volatile long millis = System.currentTimeMillis();
    private final List<Task> tasks = new ArrayList<>();
    private long seq;

    @Override
    public long millis() { return millis; }

    @Override
    public Instant instant() { return Instant.ofEpochMilli(millis); }

    @Override
    public ZoneId getZone() { return ZoneOffset.UTC; }

    @Override
    public Clock withZone(ZoneId zone) { return this; }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMillis) {
        Task t = new Task(millis + Math.max(0, delayMillis), seq++, task);
        tasks.add(t);
        return () -> {
            synchronized (HandDrivenTime.this) {
                tasks.remove(t);
            }
        };
    }

    synchronized int pending() { return tasks.size(); }

    void advance(Duration by) {
        millis += by.toMillis();
        for (;;) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> t.dueAt() <= millis)
                        .min(Comparator.comparingLong(Task::dueAt).thenComparingLong(Task::seq)).orElse(null);
                if (next == null) {
                    return;
                }
                tasks.remove(next);
            }
            next.run().run();
        }
    }
}
