package dev.hubbub.bench.report;

/** The arithmetic of the reports, kept apart so it can be tested. */
public final class Ratios {
    private Ratios() {
    }

    /** received / expected, or null when nothing was expected. */
    public static Double deliveryRatio(long received, long expected) {
        return expected <= 0 ? null : (double) received / expected;
    }

    /** Expected deliveries: every accepted publish reaches every subscriber of its channel. */
    public static long expectedDeliveries(long published, long rejected, long subscribers) {
        return Math.max(0, published - rejected) * Math.max(0, subscribers);
    }

    /** Events per second over {@code seconds}; 0 for an empty interval. */
    public static double rate(long events, double seconds) {
        return seconds <= 0 ? 0 : events / seconds;
    }

    /** The overlap of serials [from, from+count) with the inclusive range [lo, hi]; hi < lo is empty. */
    public static long overlap(long from, int count, long lo, long hi) {
        // no branches: an ACK's range starts overlapping the window at its start, and a branch turning
        // there would send the compiled ACK path back to the interpreter (see Window.slot)
        long a = max(from, lo);
        long b = min(from + count - 1, hi);
        return max(0L, b - a + 1);
    }

    /**
     * The smaller of two longs in arithmetic alone (JDK 17 compiles {@link Math#min(long, long)} to a
     * branch that can be profiled one way); {@code a - b} must not overflow.
     */
    public static long min(long a, long b) {
        long d = a - b;
        return b + (d & (d >> 63));
    }

    /** The larger of two longs in arithmetic alone; {@code a - b} must not overflow. */
    public static long max(long a, long b) {
        long d = a - b;
        return a - (d & (d >> 63));
    }

}
