package dev.hubbub.bench.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.NodeSpread;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeTallyTest {
    private static final List<String> NODES = List.of("ws://n0:1", "ws://n1:1", "ws://n2:1");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> node(Report r, String key) {
        return (Map<String, Object>) r.section("nodes").get(key);
    }

    @Test
    void reportsEachNodesSubscribersPublishersDeliveriesAndLatency() {
        NodeTally t = new NodeTally(new NodeSpread(3, 1, 0), NODES);
        assertTrue(t.several());
        for (int i = 0; i < 7; i++) {
            if (i != 4) { // subscriber 4 (node 1) never attached
                t.attached(i);
            }
        }
        t.publisherLive(0);
        t.publisherLive(1);
        t.delivered(0, 2_000_000);
        t.delivered(0, 4_000_000);
        t.delivered(2, 9_000_000);

        Report r = new Report("fanout");
        t.put(r, 7, 2);
        assertEquals("node 0 (ws://n0:1)", r.section("nodes").get("publisherPlacement"));
        assertEquals(3L, r.section("nodes").get("subscribersBesideAPublisher"));
        Map<String, Object> n0 = node(r, "0 ws://n0:1");
        assertEquals(3, n0.get("subscribers"));
        assertEquals(3, n0.get("subscribersAttached"));
        assertEquals(2, n0.get("publishers"));
        assertEquals(2, n0.get("publishersConnected"));
        assertEquals(2L, n0.get("received"));
        assertEquals(2L, ((Map<?, ?>) n0.get("latency")).get("count"));
        assertEquals(4.0, (double) ((Map<?, ?>) n0.get("latency")).get("maxMs"), 0.01);
        Map<String, Object> n1 = node(r, "1 ws://n1:1");
        assertEquals(2, n1.get("subscribers"));
        assertEquals(1, n1.get("subscribersAttached"));
        assertEquals(0, n1.get("publishers"));
        assertEquals(0L, n1.get("received"));
        Map<String, Object> n2 = node(r, "2 ws://n2:1");
        assertEquals(1L, n2.get("received"));
        assertEquals(9.0, (double) ((Map<?, ?>) n2.get("latency")).get("p50Ms"), 0.01);
    }

    @Test
    void spreadPublishersAreSaidSo() {
        NodeTally t = new NodeTally(new NodeSpread(3, 1, NodeSpread.SPREAD), NODES);
        Report r = new Report("fanout");
        t.put(r, 3, 3);
        assertEquals("spread", r.section("nodes").get("publisherPlacement"));
        assertEquals(1, node(r, "2 ws://n2:1").get("publishers"));
    }

    @Test
    void oneNodeIsNotSeveralAndNamesMustMatchTheSpread() {
        assertFalse(new NodeTally(NodeSpread.single(), List.of("ws://n0:1")).several());
        assertThrows(IllegalArgumentException.class, () -> new NodeTally(new NodeSpread(2, 1, 0), NODES));
    }
}
