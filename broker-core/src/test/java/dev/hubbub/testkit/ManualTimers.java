package dev.hubbub.testkit;

import dev.hubbub.core.presence.PresenceTimers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Timers driven by a {@link ManualClock}: nothing runs by itself; {@link #advance} moves the clock and
 * runs every task that fell due, in due order (ties in scheduling order), on the calling thread.
 * Tasks scheduled by running tasks run in the same call when they are already due. A cancelled task
 * is dropped at once. Thread-safe: the broker may schedule and cancel from its own threads.
 */
public final class ManualTimers implements PresenceTimers {
    private record Task(long dueAt, long seq, Runnable run) {}

    private static final Comparator<Task> DUE_ORDER = Comparator.comparingLong(Task::dueAt).thenComparingLong(Task::seq);

    private final ManualClock clock;
    private final List<Task> tasks = new ArrayList<>();
    private long seq;

    public ManualTimers(ManualClock clock) { this.clock = clock; }

    /** The clock these timers follow. */
    public ManualClock clock() { return clock; }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMillis) {
        Task t = new Task(clock.millis() + Math.max(0, delayMillis), seq++, task);
        tasks.add(t);
        return () -> {
            synchronized (ManualTimers.this) {
                tasks.remove(t);
            }
        };
    }

    /** Tasks scheduled and neither run nor cancelled. */
    public synchronized int pending() { return tasks.size(); }

    /** Moves the clock forward and runs what fell due. */
    public void advance(Duration by) {
        clock.advance(by);
        runDue();
    }

    /** Runs every task due at the clock's current time, in due order. */
    public void runDue() {
        for (;;) {
            Task next;
            synchronized (this) {
                long now = clock.millis();
                next = tasks.stream().filter(t -> t.dueAt() <= now).min(DUE_ORDER).orElse(null);
                if (next == null) {
                    return;
                }
                tasks.remove(next);
            }
            next.run().run(); // outside the lock: a task may schedule or cancel
        }
    }
}
