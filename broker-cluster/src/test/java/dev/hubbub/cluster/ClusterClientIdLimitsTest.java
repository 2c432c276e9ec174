package dev.hubbub.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.limits.ClientIdLimits;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.core.session.Session;
import dev.hubbub.testkit.DroppingProxy;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * maxConnectionsPerClientId counted across the cluster through a real Redis: a connection on
 * another node counts, and the connections of a node whose heartbeat stopped stop counting
 * within the dead-after time.
 */
class ClusterClientIdLimitsTest extends ClusterTestBase {
    private static final String KEY = Nodes.KEY;
    private static final long DEAD_AFTER = 800;
    private final List<ClusterNode> clusters = new ArrayList<>();

    @AfterEach
    void closeClusters() { clusters.forEach(ClusterNode::close); }

    private TestCore node(String id, ClusterNode[] cluster) { return node(id, cluster, redis.uri()); }

    private TestCore node(String id, ClusterNode[] cluster, String redisUri) {
        cluster[0] = new ClusterNode(ClusterSettings.of(List.of(URI.create(redisUri)), id)
                .withTimings(5_000, 2_000, 200, 500));
        clusters.add(cluster[0]);
        RedisClientIdTally tally = new RedisClientIdTally(cluster[0], 100, DEAD_AFTER, 1_000);
        TestCore core = TestCore.builder()
                .key(new ApiKey("app1.k", "secret", Capability.ALL))
                .clock(Clock.systemUTC())
                .clientIdLimits(new ClientIdLimits(Map.of("app1",
                        new ClientIdLimits.App(1, ClientIdLimits.OnConnectionLimit.REFUSE, 0))), tally)
                .build();
        tally.refreshFrom(core.clientIds::counts);
        return core;
    }

    private static Session tryConnect(TestCore core, String clientId, RecordingTransport out) {
        return core.connector.connect(new ConnectRequest(KEY, null, clientId, "json", "6", true, null, null, "test"), out);
    }

    /** Until node A's count of {@code clientId}, written asynchronously, is in Redis. */
    private void awaitCounted(String clientId) {
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> "1".equals(redis.command("HGET", "hb:cid:{app1|" + clientId + "}", "node-a")));
    }

    @Test
    void aConnectionOnAnotherNodeCountsUntilThatNodeDies() {
        ClusterNode[] a = new ClusterNode[1];
        ClusterNode[] b = new ClusterNode[1];
        TestCore nodeA = node("node-a", a);
        TestCore nodeB = node("node-b", b);
        TestClient onA = nodeA.connect(KEY, "alice", null, null);
        assertNotNull(onA);
        awaitCounted("alice"); // node A writes its count without waiting for Redis: B counts it once it landed

        RecordingTransport refused = new RecordingTransport();
        assertNull(tryConnect(nodeB, "alice", refused), "alice's connection on node A counts on node B");
        assertEquals(40111, refused.closedWith().error().code());
        assertNotNull(tryConnect(nodeB, "bob", new RecordingTransport()), "bob is someone else");

        onA.session().end(dev.hubbub.core.session.DisconnectReason.CLIENT_CLOSED, null);
        await().atMost(Duration.ofSeconds(5)).until(() -> tryConnect(nodeB, "alice", new RecordingTransport()) != null);

        // alice now holds node B's slot; node A dies with a connection of carol's on it
        nodeA.connect(KEY, "carol", null, null);
        awaitCounted("carol");
        assertNull(tryConnect(nodeB, "carol", new RecordingTransport()));
        long died = System.nanoTime();
        a[0].close(); // its heartbeats stop; nobody removes its count
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> tryConnect(nodeB, "carol", new RecordingTransport()) != null);
        long tookMillis = (System.nanoTime() - died) / 1_000_000;
        assertFalse(tookMillis > DEAD_AFTER + 2_000, "a dead node's connections stop counting within the bound: " + tookMillis);
        assertEquals("0", redis.command("HEXISTS", "hb:cid:{app1|carol}", "node-a").strip().replace("(integer) ", ""));
    }

    // Rule: a count that changed while Redis was unreachable is written once it is back; left at its old
    // value (the node's heartbeat alive), it would refuse that clientId's connections on every node.
    @Test
    void aCountThatChangedWhileRedisWasAwayIsWrittenWhenItIsBack() throws Exception {
        try (DroppingProxy toRedis = DroppingProxy.start(redis.port())) {
            ClusterNode[] a = new ClusterNode[1];
            ClusterNode[] b = new ClusterNode[1];
            TestCore nodeA = node("node-a", a, "redis://127.0.0.1:" + toRedis.port());
            TestCore nodeB = node("node-b", b);
            TestClient alice = nodeA.connect(KEY, "alice", null, null);
            awaitCounted("alice");

            toRedis.refuseNew();
            toRedis.cutAll(DroppingProxy.BrokerSide.CLOSE);
            await().atMost(Duration.ofSeconds(10)).until(() -> !a[0].reachable());
            alice.session().end(dev.hubbub.core.session.DisconnectReason.CLIENT_CLOSED, null); // Redis cannot be told
            assertEquals("1", redis.command("HGET", "hb:cid:{app1|alice}", "node-a"), "the old count stays meanwhile");

            toRedis.admitNew();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> redis.command("HGET", "hb:cid:{app1|alice}", "node-a") == null);
            assertNotNull(tryConnect(nodeB, "alice", new RecordingTransport()), "alice may connect again, on any node");
        }
    }
}
