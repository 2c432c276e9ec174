package dev.hubbub.bench.scenario;

import dev.hubbub.bench.report.LatencyRecorder;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.NodeSpread;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A pub/sub run's figures per node when --url lists several: where its subscribers and publishers
 * went (as planned by the {@link NodeSpread}, and how many of them made it), and the deliveries in
 * the window and their latency as seen by each node's subscribers. The latency needs no clock
 * across nodes: publisher and subscriber are both in the bench's JVM, whichever node they use.
 */
final class NodeTally {
    private final NodeSpread spread;
    private final List<String> names;
    private final AtomicIntegerArray attached;
    private final AtomicIntegerArray publishersLive;
    private final LongAdder[] receivedInWindow;
    private final LatencyRecorder[] latency;

    NodeTally(NodeSpread spread, List<String> names) {
        if (names.size() != spread.nodes()) {
            throw new IllegalArgumentException(names.size() + " node names for " + spread.nodes() + " nodes");
        }
        this.spread = spread;
        this.names = List.copyOf(names);
        this.attached = new AtomicIntegerArray(names.size());
        this.publishersLive = new AtomicIntegerArray(names.size());
        this.receivedInWindow = new LongAdder[names.size()];
        this.latency = new LatencyRecorder[names.size()];
        for (int n = 0; n < names.size(); n++) {
            receivedInWindow[n] = new LongAdder();
            latency[n] = new LatencyRecorder();
        }
    }

    /** Whether there is more than one node (otherwise nothing is recorded or reported). */
    boolean several() {
        return names.size() > 1;
    }

    NodeSpread spread() {
        return spread;
    }

    /** Subscriber {@code i} is attached (subscribed) on its node. */
    void attached(int subscriber) {
        attached.incrementAndGet(spread.subscriberNode(subscriber));
    }

    /** Publisher {@code j} has a live connection on its node. */
    void publisherLive(int publisher) {
        publishersLive.incrementAndGet(spread.publisherNode(publisher));
    }

    /** A delivery in the window to a subscriber on {@code node}, {@code latencyNanos} after it was sent. */
    void delivered(int node, long latencyNanos) {
        receivedInWindow[node].increment();
        latency[node].recordNanos(latencyNanos);
    }

    /** The "nodes" section: placement, then per node its connections, deliveries and latency. */
    void put(Report report, int subscribers, int publishers) {
        put(report, subscribers, publishers, null);
    }

    /** As {@link #put(Report, int, int)}, with each node's repeated or reordered deliveries when checked (else null). */
    void put(Report report, int subscribers, int publishers, long[] repeatedOrReordered) {
        Map<String, Object> section = report.section("nodes");
        section.put("publisherPlacement", spread.publishersSpread() ? "spread"
                : "node " + spread.publisherNode() + " (" + names.get(spread.publisherNode()) + ")");
        section.put("subscribersBesideAPublisher", spread.subscribersBesideAPublisher(subscribers, publishers));
        int[] subs = spread.subscribersPerNode(subscribers);
        int[] pubs = spread.publishersPerNode(publishers);
        for (int n = 0; n < names.size(); n++) {
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("subscribers", subs[n]);
            node.put("subscribersAttached", attached.get(n));
            node.put("publishers", pubs[n]);
            node.put("publishersConnected", publishersLive.get(n));
            node.put("received", receivedInWindow[n].sum());
            if (repeatedOrReordered != null) {
                node.put("repeatedOrReordered", repeatedOrReordered[n]);
            }
            node.put("latency", latency[n].total().asMap());
            section.put(n + " " + names.get(n), node);
        }
    }
}
