package dev.hubbub.bench.report;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latencies recorded from any event loop thread (wait-free, via HdrHistogram's {@link Recorder}),
 * read as per-interval histograms for progress lines and accumulated into a run total.
 */
public final class LatencyRecorder {
    private final Recorder recorder = new Recorder(Latency.HIGHEST_MICROS, 3);
    private final Histogram total = Latency.newHistogram();
    private Histogram recycled;

    /** Records one latency given in nanoseconds. */
    public void recordNanos(long nanos) {
        recorder.recordValue(Latency.clampMicros(nanos));
    }

    /** What was recorded since the last call (also added to the total). */
    public synchronized Latency interval() {
        Histogram h = recorder.getIntervalHistogram(recycled);
        total.add(h);
        recycled = h;
        return Latency.of(h);
    }

    /** Everything recorded so far. */
    public synchronized Latency total() {
        interval();
        return Latency.of(total);
    }
}
