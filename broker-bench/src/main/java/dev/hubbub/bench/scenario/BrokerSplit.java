package dev.hubbub.bench.scenario;

import dev.hubbub.bench.report.Latency;
import dev.hubbub.bench.report.LatencyRecorder;
import dev.hubbub.bench.report.Report;

/**
 * The two halves of each delivery's latency, split at the broker's {@code timestamp} (when it took
 * the publish): publisher to broker, and broker to subscriber. Milliseconds on the wall clock, so
 * each is good to about 1 ms, and only where the client and the broker share a clock (one machine).
 * Recorded by {@link dev.hubbub.bench.run.Window#slot} (before, in, after the window); only the
 * window's are reported, the others keep the per-message code the same throughout. Any thread.
 */
final class BrokerSplit {
    private final LatencyRecorder[] toBroker = {new LatencyRecorder(), new LatencyRecorder(), new LatencyRecorder()};
    private final LatencyRecorder[] fromBroker = {new LatencyRecorder(), new LatencyRecorder(), new LatencyRecorder()};
    /** Wall-clock nanoseconds minus {@link System#nanoTime()}: turns a stamp into the broker's time base. */
    private final long wallMinusNano = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

    /** One delivery stamped {@code stamp} (nanoTime), taken by the broker at {@code brokerMillis}, seen at {@code now}. */
    void record(int slot, long stamp, long brokerMillis, long now) {
        long atBroker = brokerMillis * 1_000_000L - wallMinusNano;
        toBroker[slot].recordNanos(atBroker - stamp);
        fromBroker[slot].recordNanos(now - atBroker);
    }

    /** Adds latencyToBroker and latencyFromBroker when any delivery in the window carried the broker's timestamp. */
    void report(Report report) {
        Latency in = toBroker[1].total();
        if (in.count() > 0) {
            // where the time went: publisher -> broker (client send, network, the broker's inbound queue) and
            // broker -> subscriber (the broker's work and outbound queue, network, the client's receive)
            report.section("latencyToBroker").putAll(in.asMap());
            report.section("latencyFromBroker").putAll(fromBroker[1].total().asMap());
        }
    }
}
