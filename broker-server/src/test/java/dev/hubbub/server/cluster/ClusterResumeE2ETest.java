package dev.hubbub.server.cluster;

import static dev.hubbub.server.cluster.ClusterFixture.KEY;
import static dev.hubbub.server.cluster.ClusterFixture.TIMEOUT;
import static dev.hubbub.server.cluster.ClusterFixture.subscribed;
import static dev.hubbub.server.AblyJavaOps.succeeds;
import static dev.hubbub.server.cluster.ClusterFixture.uniqueChannel;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.testkit.DroppingProxy;
import dev.hubbub.testkit.DroppingProxy.BrokerSide;
import dev.hubbub.testkit.RawWebSocket;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ChannelStateListener.ChannelStateChange;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.realtime.ConnectionStateListener.ConnectionStateChange;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A connection resumed on another node after its own node died ({@link ClusterFixture#killNode}):
 * the resume goes through the cluster's resume store (RedisResumeStore: the connection's entry,
 * under a hash of its key, lives in Redis for connectionStateTtl), the new node answers CONNECTED
 * with the same connectionId, and the channels re-attach from their channelSerials and get what
 * was published meanwhile on a third node, once each, in order. With the real ably-java 1.2.54,
 * which resumes by itself (RTN15) to the same address, a {@link DroppingProxy} in front of the
 * nodes sending its new connection to node B; and with a raw WebSocket, frame by frame.
 */
class ClusterResumeE2ETest {
    private static final int A = 0, B = 1, C = 2;
    private static final int MISSED = 3;

    /** {@code missed-1} to {@code missed-MISSED}, between {@code before} (when not null) and {@code after}. */
    private static List<String> around(String before, String after) {
        List<String> all = new ArrayList<>();
        if (before != null) {
            all.add(before);
        }
        for (int i = 1; i <= MISSED; i++) {
            all.add("missed-" + i);
        }
        all.add(after);
        return all;
    }

    /**
     * ably-java connects to node A through a proxy. Its connection is cut (reset, node A not told),
     * its reconnection held in the proxy, node A killed; three messages are published on node C;
     * then the proxy sends the held connection to node B. ably-java resumes there with its
     * connectionKey: the same connection id, no error, its channel ATTACHED with RESUMED, and
     * every message once, in order.
     */
    @Test
    void ablyJavaResumesOnAnotherNodeAfterItsNodeDiedAndMissesNothing() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3);
             DroppingProxy front = DroppingProxy.start(cluster.port(A))) {
            String name = uniqueChannel("resume-sdk");
            Channel out = cluster.connected(C, "pub").channels.get(name);
            ClientOptions o = cluster.options(A, KEY, "alice");
            o.port = front.port();
            AblyRealtime alice = cluster.connected(o);
            Channel channel = alice.channels.get(name);
            List<Message> received = subscribed(channel);
            succeeds(l -> out.publish("m", "before", l));
            await("'before' on A").atMost(TIMEOUT).until(() -> received.size() == 1);
            String id = alice.connection.id;
            List<ConnectionStateChange> connectionChanges = new CopyOnWriteArrayList<>();
            alice.connection.on(connectionChanges::add);
            List<ChannelStateChange> channelChanges = new CopyOnWriteArrayList<>();
            channel.on(channelChanges::add);

            front.holdNew();
            front.cutAll(BrokerSide.LEAVE_OPEN); // the client's network is gone; node A never hears of it
            await("ably-java reconnecting").atMost(TIMEOUT).until(() -> front.held() >= 1);
            cluster.killNode(A);
            for (int i = 1; i <= MISSED; i++) {
                String d = "missed-" + i;
                succeeds(l -> out.publish("m", d, l));
            }
            front.retarget(cluster.port(B));
            front.admitNew();

            await("resumed on B and re-attached").atMost(TIMEOUT).until(() -> alice.connection.state == ConnectionState.connected
                    && channel.state == ChannelState.attached && received.size() >= 1 + MISSED);
            succeeds(l -> out.publish("m", "after", l));
            await("'after' on B").atMost(TIMEOUT).until(() -> received.stream().anyMatch(m -> "after".equals(m.data)));

            ConnectionStateChange back = connectionChanges.stream().filter(c -> c.current == ConnectionState.connected)
                    .reduce((a, b) -> b).orElseThrow();
            assertNull(back.reason, () -> "resumed with an error: " + back.reason.code + " " + back.reason.message);
            assertEquals(id, alice.connection.id, "the same connection");
            assertEquals(around("before", "after"), received.stream().map(m -> m.data).toList(), "every message once, in order");
            ChannelStateChange reattached = channelChanges.stream().filter(c -> c.current == ChannelState.attached)
                    .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no re-attach: " + channelChanges));
            assertTrue(reattached.resumed, () -> "the re-attach is RESUMED: " + channelChanges);
            assertTrue(channelChanges.stream().noneMatch(c -> c.current == ChannelState.failed
                    || c.current == ChannelState.suspended || c.current == ChannelState.detached), channelChanges::toString);
        }
    }

    /**
     * The same, frame by frame: a raw WebSocket on node A reads its connectionKey from CONNECTED,
     * attaches, receives a message; node A is killed; on node B it connects with
     * {@code resume=<connectionKey>}: CONNECTED carries the same connectionId and no error, and an
     * ATTACH with the channelSerial it had gets ATTACHED (RESUMED, no error) and then exactly the
     * messages published on node C meanwhile, in order, then live ones.
     */
    @Test
    void aRawConnectionResumesOnAnotherNodeWithItsIdAndItsChannelSerial() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("resume-raw");
            Channel out = cluster.connected(C, "pub").channels.get(name);
            RawWebSocket onA = cluster.raw(A);
            JsonNode first = onA.awaitAction(4);
            String connectionId = first.path("connectionId").asText(null);
            String connectionKey = first.path("connectionDetails").path("connectionKey").asText(null);
            assertNotNull(connectionId, first::toString);
            assertNotNull(connectionKey, first::toString);
            onA.attach(name);
            succeeds(l -> out.publish("m", "seen-1", l));
            JsonNode seen = onA.await("seen-1", f -> f.path("action").asInt() == 15);
            String serial = seen.path("channelSerial").asText(null);
            assertNotNull(serial, seen::toString);

            cluster.killNode(A);
            await("node A's connection closed").atMost(TIMEOUT).until(onA::isClosed);
            for (int i = 1; i <= MISSED; i++) {
                String d = "missed-" + i;
                succeeds(l -> out.publish("m", d, l));
            }

            RawWebSocket onB = cluster.raw(B, "&" + RawWebSocket.param("resume", connectionKey));
            JsonNode connected = onB.awaitAction(4);
            assertEquals(connectionId, connected.path("connectionId").asText(), connected::toString);
            assertTrue(connected.path("error").isMissingNode(), connected::toString);
            onB.send(RawWebSocket.JSON.createObjectNode().put("action", 10).put("channel", name).put("channelSerial", serial));
            JsonNode attached = onB.await("ATTACHED", f -> f.path("action").asInt() == 11);
            assertTrue((attached.path("flags").asInt() & 4) != 0, () -> "RESUMED: " + attached);
            assertTrue(attached.path("error").isMissingNode(), attached::toString);
            succeeds(l -> out.publish("m", "live", l));
            await("the missed messages and 'live' on B").atMost(TIMEOUT)
                    .until(() -> onB.deliveredData(name).contains("live"));
            assertEquals(around(null, "live"), onB.deliveredData(name),
                    "the missed messages once each, in order, then the live one");
        }
    }
}
