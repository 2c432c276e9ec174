package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.report.Latency;
import dev.hubbub.bench.report.LatencyRecorder;
import dev.hubbub.bench.report.Ratios;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * What a resume run counts, from any event loop, and the report sections made of it: deliveries
 * and their latency (before the drop, replayed after the re-ATTACHED, live after it), the
 * resumes (same or new connectionId, RESUMED or not, time to re-ATTACHED) and the continuity
 * (loss, duplicates, order) of the subscribers that came back.
 */
final class ResumeTally {
    /** Which part of the run a delivery belongs to, for its latency. */
    enum Part { BEFORE_DROP, REPLAYED, LIVE_AFTER_REATTACH }

    private static final int ANOMALIES_SHOWN = 5;

    final ErrorCounts errors = new ErrorCounts();
    final ErrorCounts reattachFailures = new ErrorCounts();
    final LongAdder received = new LongAdder();
    final LongAdder unsequenced = new LongAdder();
    final LongAdder discardedBeforeAttached = new LongAdder();
    final LongAdder replayed = new LongAdder();
    final LongAdder unexpectedCloses = new LongAdder();
    final LongAdder sameId = new LongAdder();
    final LongAdder newId = new LongAdder();
    private final LatencyRecorder latencyAll = new LatencyRecorder();
    private final LatencyRecorder latencyBefore = new LatencyRecorder();
    private final LatencyRecorder latencyReplayed = new LatencyRecorder();
    private final LatencyRecorder latencyAfter = new LatencyRecorder();
    // by Window.slot (before, in, after the window): only the middle ones are reported; recording
    // into all three keeps a branch from turning at the window's start (see Window.slot)
    private final LatencyRecorder[] allBy = bySlot(latencyAll);
    private final LatencyRecorder[] beforeBy = bySlot(latencyBefore);
    private final LatencyRecorder[] replayedBy = bySlot(latencyReplayed);
    private final LatencyRecorder[] afterBy = bySlot(latencyAfter);
    private final Histogram sinceDrop = new SynchronizedHistogram(Latency.HIGHEST_MICROS, 3);
    private final Histogram ownReconnect = new SynchronizedHistogram(Latency.HIGHEST_MICROS, 3);
    private final LongAdder channelResumed = new LongAdder();
    private final LongAdder channelNotResumed = new LongAdder();
    private final LongAdder reattached = new LongAdder();
    private final AtomicLong lastReattachedNanos = new AtomicLong();
    private volatile Window window;

    /** The measured window (null while setting up); only messages stamped in it are timed. */
    Window window() {
        return window;
    }

    void window(Window w) {
        window = w;
    }

    /**
     * Times one first delivery of a message stamped in the window: in the total and in
     * {@code part} (on the first connection, replayed after the re-ATTACHED, or live after it).
     */
    void time(long stamp, long now, Part part) {
        Window w = window;
        if (w == null) {
            return;
        }
        int slot = w.slot(stamp);
        long latency = now - stamp;
        allBy[slot].recordNanos(latency);
        (switch (part) {
            case BEFORE_DROP -> beforeBy;
            case REPLAYED -> replayedBy;
            case LIVE_AFTER_REATTACH -> afterBy;
        })[slot].recordNanos(latency);
    }

    private static LatencyRecorder[] bySlot(LatencyRecorder inWindow) {
        return new LatencyRecorder[] {new LatencyRecorder(), inWindow, new LatencyRecorder()};
    }

    /** A dropped subscriber re-ATTACHED at {@code at}, {@code resumed} or not; the times from the drop and its reconnect. */
    void reattached(boolean resumed, long at, long dropNanos, long reconnectStart) {
        reattached.increment();
        (resumed ? channelResumed : channelNotResumed).increment();
        sinceDrop.recordValue(Latency.clampMicros(at - dropNanos));
        ownReconnect.recordValue(Latency.clampMicros(at - reconnectStart));
        lastReattachedNanos.accumulateAndGet(at, (a, b) -> a == 0 || b - a > 0 ? b : a);
    }

    long reattached() {
        return reattached.sum();
    }

    long channelResumed() {
        return channelResumed.sum();
    }

    /** Every error and lost connection so far, for the progress line. */
    long errorsTotal() {
        return errors.total() + reattachFailures.total() + unexpectedCloses.sum();
    }

    /** The resume, resumeFailures, reconnectFailures and resumeTime sections. */
    void putResume(Report report, int dropped, ConnectionOpener reopener, long dropNanos) {
        long lastBack = lastReattachedNanos.get();
        Map<String, Object> res = report.section("resume");
        res.put("dropped", dropped);
        res.put("reconnected", reopener.succeeded());
        res.put("sameConnectionId", sameId.sum());
        res.put("newConnectionId", newId.sum());
        res.put("reattached", reattached.sum());
        res.put("channelResumed", channelResumed.sum());
        res.put("channelNotResumed", channelNotResumed.sum());
        res.put("failed", reattachFailures.total());
        res.put("allBack", reattached.sum() == dropped);
        res.put("untilLastReattachedSeconds", lastBack == 0 ? null : (lastBack - dropNanos) / 1e9);
        res.put("resumesPerSecond", lastBack == 0 ? null : Ratios.rate(reattached.sum(), (lastBack - dropNanos) / 1e9));
        report.putErrors("resumeFailures", reattachFailures);
        report.putErrors("reconnectFailures", reopener.failures());
        Map<String, Object> times = report.section("resumeTime");
        times.put("dropToReattached", Latency.of(sinceDrop).asMap());
        times.put("reconnectToReattached", Latency.of(ownReconnect).asMap());
        times.put("reconnectToConnected", Latency.of(reopener.connectMicros()).asMap());
    }

    /** The continuity section (and anomalies): loss, duplicates and order over the subscribers that re-attached. */
    void putContinuity(Report report, List<ResumeSubscriber> checked, long lastSeq, SequencedPublisher publisher) {
        long lost = 0;
        long withLoss = 0;
        long maxLost = 0;
        long dups = 0;
        long withDups = 0;
        long late = 0;
        long maxReplayed = 0;
        List<Map<String, Object>> anomalies = new ArrayList<>();
        for (ResumeSubscriber sub : checked) {
            ResumeSubscriber.Continuity c = sub.continuity(lastSeq, publisher);
            maxReplayed = Math.max(maxReplayed, c.replayed());
            lost += c.missing();
            withLoss += c.missing() > 0 ? 1 : 0;
            maxLost = Math.max(maxLost, c.missing());
            dups += c.duplicates();
            withDups += c.duplicates() > 0 ? 1 : 0;
            late += c.outOfOrder();
            if (c.odd() && anomalies.size() < ANOMALIES_SHOWN) {
                anomalies.add(sub.describe(lastSeq));
            }
        }
        Map<String, Object> c = report.section("continuity");
        c.put("subscribersChecked", checked.size());
        c.put("lost", lost);
        c.put("subscribersWithLoss", withLoss);
        c.put("maxLostPerSubscriber", maxLost);
        c.put("duplicates", dups);
        c.put("subscribersWithDuplicates", withDups);
        c.put("outOfOrder", late);
        c.put("replayed", replayed.sum());
        c.put("maxReplayedPerSubscriber", maxReplayed);
        c.put("discardedBeforeAttached", discardedBeforeAttached.sum());
        c.put("unsequenced", unsequenced.sum());
        boolean ok = lost == 0 && dups == 0 && late == 0 && discardedBeforeAttached.sum() == 0 && !checked.isEmpty();
        c.put("verdict", ok ? "ok: every re-attached subscriber got every message once, in order"
                : "FAILED: " + (checked.isEmpty() ? "no subscriber re-attached" : String.format(
                        "%d lost, %d duplicated, %d out of order, %d discarded before ATTACHED",
                        lost, dups, late, discardedBeforeAttached.sum())));
        if (!anomalies.isEmpty()) {
            report.put("anomalies", anomalies);
        }
    }

    /** The delivery, latency and errors sections. */
    void putDelivery(Report report, double drainSeconds) {
        Map<String, Object> del = report.section("delivery");
        del.put("receivedTotal", received.sum());
        del.put("drainSeconds", drainSeconds);
        Map<String, Object> lat = report.section("latency");
        lat.put("all", latencyAll.total().asMap());
        lat.put("beforeDrop", latencyBefore.total().asMap());
        lat.put("replayed", latencyReplayed.total().asMap());
        lat.put("liveAfterReattach", latencyAfter.total().asMap());

        report.putErrors("errors", errors);
        if (unexpectedCloses.sum() > 0) {
            report.section("errors").put("connectionsLost", unexpectedCloses.sum());
        }
    }
}
