package dev.hubbub.core.presence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Timers driven by hand: {@link #advance} moves the clock and runs every task that fell due, in
 * due order (tasks scheduled by tasks run too when already due). Serves both presence timers and
 * the sessions' transport timers (token expiry).
 */
final class ManualTimers implements PresenceTimers {
    private record Task(long dueAt, long seq, Runnable run, boolean[] cancelled) {}

    private final TestClock clock;
    private final List<Task> tasks = new ArrayList<>();
    private long seq;

    ManualTimers(TestClock clock) { this.clock = clock; }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMillis) {
        boolean[] cancelled = {false};
        tasks.add(new Task(clock.millis() + Math.max(0, delayMillis), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled()[0]).count();
    }

    /** Moves the clock forward and runs what fell due. */
    void advance(Duration by) {
        clock.advance(by);
        runDue();
    }

    void runDue() {
        for (;;) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> t.dueAt() <= clock.millis())
                        .min(Comparator.comparingLong(Task::dueAt).thenComparingLong(Task::seq)).orElse(null);
                if (next == null) {
                    return;
                }
                tasks.remove(next);
            }
            if (!next.cancelled()[0]) {
                next.run().run();
            }
        }
    }
}
