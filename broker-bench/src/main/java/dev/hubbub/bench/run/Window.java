package dev.hubbub.bench.run;

/**
 * The measured window of a run on the {@link System#nanoTime()} clock: traffic starts at
 * {@link #trafficStart()}, the warm-up lasts until {@link #start()}, measurement until {@link #end()}.
 * Only events stamped inside [start, end) are counted.
 */
public record Window(long trafficStart, long start, long end) {

    public static Window startingNow(double warmupSeconds, double durationSeconds) {
        long now = System.nanoTime();
        long start = now + seconds(warmupSeconds);
        return new Window(now, start, start + seconds(durationSeconds));
    }

    public static long seconds(double s) {
        return (long) (s * 1_000_000_000L);
    }

    public boolean contains(long nanos) {
        return nanos - start >= 0 && nanos - end < 0;
    }

    /**
     * 0 before the window, 1 inside it ({@link #contains}), 2 after it, in arithmetic alone. The
     * per-message paths index their counters with it rather than test {@link #contains}: a branch
     * that had only gone one way all through the warm-up turns at the window's start, and the JIT
     * then throws away the compiled delivery path (seen with -XX:+PrintCompilation: "made not
     * entrant" at that instant) and runs it interpreted while the client recompiles it, which put
     * 20-120 ms into the first seconds of every window.
     */
    public int slot(long nanos) {
        return (int) (((start - 1 - nanos) >>> 63) + ((end - 1 - nanos) >>> 63));
    }

    public boolean isOver(long nanos) {
        return nanos - end >= 0;
    }

    public double durationSeconds() {
        return (end - start) / 1e9;
    }

    /** "warmup", "measure" or "drain" at {@code nanos}. */
    public String phase(long nanos) {
        if (nanos - start < 0) {
            return "warmup";
        }
        return nanos - end < 0 ? "measure" : "drain";
    }
}
