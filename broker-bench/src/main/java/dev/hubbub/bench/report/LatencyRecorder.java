package dev.hubbub.bench.report;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Latencies recorded from any thread, read as per-interval histograms for progress lines and
 * accumulated into a run total. Each recording thread has its own wait-free
 * {@link SingleWriterRecorder}: with one recorder shared by the client's event loops, every
 * delivery bounced its counters between cores, a cost the bench paid on the cores it shares
 * with the broker it measures.
 */
public final class LatencyRecorder {
    private final List<SingleWriterRecorder> recorders = new CopyOnWriteArrayList<>();
    private final ThreadLocal<SingleWriterRecorder> mine = ThreadLocal.withInitial(() -> {
        SingleWriterRecorder r = new SingleWriterRecorder(Latency.HIGHEST_MICROS, 3);
        recorders.add(r);
        return r;
    });
    private final Histogram total = Latency.newHistogram();
    private final Histogram interval = Latency.newHistogram();
    private final Histogram scratch = Latency.newHistogram();

    /** Records one latency given in nanoseconds. */
    public void recordNanos(long nanos) {
        mine.get().recordValue(Latency.clampMicros(nanos));
    }

    /** What was recorded since the last call (also added to the total). */
    public synchronized Latency interval() {
        interval.reset();
        for (SingleWriterRecorder r : recorders) {
            r.getIntervalHistogramInto(scratch);
            interval.add(scratch);
        }
        total.add(interval);
        return Latency.of(interval);
    }

    /** Everything recorded so far. */
    public synchronized Latency total() {
        interval();
        return Latency.of(total);
    }
}
