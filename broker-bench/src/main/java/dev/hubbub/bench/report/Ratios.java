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
        if (hi < lo || count <= 0) {
            return 0;
        }
        long a = Math.max(from, lo);
        long b = Math.min(from + count - 1, hi);
        return b < a ? 0 : b - a + 1;
    }
}
