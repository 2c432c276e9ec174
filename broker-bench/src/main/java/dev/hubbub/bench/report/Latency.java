package dev.hubbub.bench.report;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Percentiles of a latency histogram recorded in microseconds, reported in milliseconds.
 * {@code count == 0} means nothing was measured (all figures are then zero).
 */
public record Latency(long count, double p50, double p90, double p99, double p999, double max, double mean) {

    /** Highest value the bench histograms track: 60 s in microseconds. */
    public static final long HIGHEST_MICROS = 60_000_000L;

    public static Histogram newHistogram() {
        return new Histogram(HIGHEST_MICROS, 3);
    }

    public static Latency of(Histogram micros) {
        long n = micros.getTotalCount();
        if (n == 0) {
            return new Latency(0, 0, 0, 0, 0, 0, 0);
        }
        return new Latency(n,
                ms(micros.getValueAtPercentile(50.0)),
                ms(micros.getValueAtPercentile(90.0)),
                ms(micros.getValueAtPercentile(99.0)),
                ms(micros.getValueAtPercentile(99.9)),
                ms(micros.getMaxValue()),
                micros.getMean() / 1000.0);
    }

    /** Clamps a measured duration in nanoseconds into the histogram's range, in microseconds. */
    public static long clampMicros(long nanos) {
        long us = nanos / 1000;
        return us < 0 ? 0 : Math.min(us, HIGHEST_MICROS);
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", count);
        if (count == 0) {
            return m;
        }
        m.put("p50Ms", p50);
        m.put("p90Ms", p90);
        m.put("p99Ms", p99);
        m.put("p999Ms", p999);
        m.put("maxMs", max);
        m.put("meanMs", mean);
        return m;
    }

    /** "p50 1.20 p90 2.00 p99 4.10 p99.9 7.00 max 9.30 ms (n=1000)". */
    public String describe() {
        if (count == 0) {
            return "no samples";
        }
        return String.format("p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f ms  (n=%d)", p50, p90, p99, p999, max, count);
    }
}
