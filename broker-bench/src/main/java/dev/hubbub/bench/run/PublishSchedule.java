package dev.hubbub.bench.run;

import java.util.concurrent.atomic.LongAdder;

/**
 * One paced publisher's schedule: at each tick, what is due since the last one. A publisher that
 * fell behind catches up at most 50 ms (or two ticks) of schedule at once, and sends nothing while
 * its socket is unwritable; what it does not send then is skipped for good (and counted), so the
 * offered rate never turns into a burst. Owned by one event loop; not thread-safe.
 */
public final class PublishSchedule {
    private final double ratePerSecond;
    private final long maxBurst;
    private final long phaseNanos;
    private long issued;

    /** {@code phaseNanos} as from {@link Pacer#phaseNanos}; 0 for a lone publisher. */
    public PublishSchedule(double ratePerSecond, long tickMicros, long phaseNanos) {
        this.ratePerSecond = ratePerSecond;
        this.maxBurst = Math.max(1, (long) Math.ceil(ratePerSecond * Math.max(0.05, 2 * tickMicros / 1e6)));
        this.phaseNanos = phaseNanos;
    }

    /**
     * How many messages to send now, {@code elapsedNanos} into the schedule; the rest of what is
     * due is skipped and added to {@code skipped}. The caller passes the counter of the window's
     * slot ({@link Window#slot}) rather than a flag saying whether to count: a flag that turns at
     * the window's start is a branch the JIT had pruned (-XX:+LogCompilation: unstable_if here),
     * and the compiled publish path was thrown away at that instant.
     */
    public long take(long elapsedNanos, boolean writable, LongAdder skipped) {
        long backlog = Pacer.due(elapsedNanos + phaseNanos, ratePerSecond) - issued;
        if (backlog <= 0) {
            return 0;
        }
        long n = writable ? Math.min(backlog, maxBurst) : 0;
        if (backlog > n) {
            skipped.add(backlog - n);
        }
        issued += backlog;
        return n;
    }
}
