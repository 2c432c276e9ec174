package dev.hubbub.cluster;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.testkit.RedisServer;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.time.Duration;
import static org.awaitility.Awaitility.await;

/** Cluster nodes in one JVM (core graphs without Netty) on one real Redis, closed together. */
final class Nodes implements AutoCloseable {
    static final String KEY = "app1.k:secret";

    /** One node: its core graph, its cluster connection and bus. */
    record Node(TestCore core, ClusterNode cluster, ClusterBus bus) {
        TestClient connect() { return core.connect(KEY, null, null, null); }
    }

    private final RedisServer redis;
    private final List<Node> nodes = new ArrayList<>();

    Nodes(RedisServer redis) { this.redis = redis; }

    Node start(String id) {
        ClusterNode cluster = new ClusterNode(ClusterSettings.of(List.of(URI.create(redis.uri())), id)
                .withTimings(5_000, 2_000, 200, 500)); // a cold JVM's first Redis round trip may take a second
        ClusterBus[] bus = new ClusterBus[1];
        TestCore core = TestCore.builder()
                .key(new ApiKey("app1.k", "secret", Capability.ALL))
                .key(new ApiKey("app2.k", "secret2", Capability.ALL))
                .clock(Clock.systemUTC())
                .bus((router, own) -> bus[0] = new ClusterBus(cluster, router))
                .sharedLog((b, own) -> new ClusterLog(cluster, (ClusterBus) b))
                .build();
        bus[0].deliverPresenceTo(core.presence);
        core.presence.relayThrough(new ClusterPresence(cluster, 200, 1_500, 300));
        Node n = new Node(core, cluster, bus[0]);
        nodes.add(n);
        return n;
    }

    /** A client of {@code node} attached to {@code channel} (it waits for ATTACHED). */
    static TestClient attached(Node node, String channel) {
        TestClient c = node.connect();
        c.send(dev.hubbub.testkit.Frames.attach(channel, null));
        until(List.of(c), () -> !c.out().frames(dev.hubbub.core.protocol.Action.ATTACHED).isEmpty());
        return c;
    }

    /** Waits (bounded) until {@code condition} holds, running each client's scheduled tasks as it goes (their own thread). */
    static void until(List<TestClient> clients, Callable<Boolean> condition) {
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (TestClient c : clients) {
                c.out().runScheduled();
            }
            return condition.call();
        });
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            n.cluster().close();
        }
        nodes.clear();
    }
}
