package dev.hubbub.server.continuity;

import static dev.hubbub.server.continuity.ContinuityBroker.TIMEOUT;
import static dev.hubbub.server.continuity.ContinuityBroker.subscribed;
import static dev.hubbub.server.AblyJavaOps.succeeds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.testkit.DroppingProxy.BrokerSide;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ChannelStateListener.ChannelStateChange;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.types.Message;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Recover (RTN16) with the real ably-java 1.2.54, JSON and MessagePack: a new instance given
 * {@code ClientOptions.recover} = the old one's {@code connection.createRecoveryKey()} takes the
 * connection over, and the app's own attach gets what was missed.
 */
class AblyJavaRecoverTest extends ContinuityTestBase {

    /**
     * The old instance's transport is cut and it can never come back (the proxy refuses it); a new
     * instance recovers directly: the same connection id without error, RESUMED on the app's
     * attach with the messages published meanwhile, once, then live ones.
     */
    @ParameterizedTest(name = "useBinaryProtocol={0}, broker side {1}")
    @MethodSource("dev.hubbub.server.continuity.ContinuityBroker#formatsAndSides")
    void aNewInstanceRecoversTheConnectionAndItsAttachGetsTheMissedMessages(boolean binary, BrokerSide side) throws Exception {
        broker = new ContinuityBroker();
        String name = ContinuityBroker.uniqueChannel("recover");
        AblyRealtime publisher = broker.connected("pub", binary, false);
        Channel publishing = publisher.channels.get(name);
        List<Message> seenByPublisher = subscribed(publishing);

        AblyRealtime old = broker.connected("alice", binary, true);
        List<Message> oldReceived = subscribed(old.channels.get(name));
        succeeds(l -> publishing.publish("before", "b", l));
        await().atMost(TIMEOUT).until(() -> oldReceived.size() == 1);
        String id = old.connection.id;
        String recoveryKey = old.connection.createRecoveryKey();
        assertNotNull(recoveryKey);
        assertTrue(recoveryKey.contains(name), recoveryKey);

        broker.proxy.refuseNew();
        assertEquals(1, broker.proxy.cutAll(side));
        for (int i = 1; i <= 3; i++) {
            String n = "missed-" + i;
            succeeds(l -> publishing.publish(n, n, l));
        }

        AblyRealtime recovered = broker.recovered("alice", binary, recoveryKey);
        assertEquals(id, recovered.connection.id, "the recovered connection");
        assertNull(recovered.connection.reason, () -> "recovered without error, got " + recovered.connection.reason.code
                + " " + recovered.connection.reason.message);

        Channel channel = recovered.channels.get(name);
        List<ChannelStateChange> changes = new CopyOnWriteArrayList<>();
        channel.on(changes::add);
        List<Message> received = new CopyOnWriteArrayList<>();
        channel.subscribe(received::add);
        await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached && received.size() >= 3);
        ChannelStateChange attached = changes.stream().filter(c -> c.current == ChannelState.attached).findFirst().orElseThrow();
        assertTrue(attached.resumed, "the app's attach reports resumed=true");

        succeeds(l -> publishing.publish("live", "l", l));
        await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(m -> "live".equals(m.name)));
        assertEquals(List.of("missed-1", "missed-2", "missed-3", "live"), received.stream().map(m -> m.name).toList(),
                "what was missed, once, then live");
        if (side == BrokerSide.LEAVE_OPEN) {
            await().atMost(TIMEOUT).until(() -> broker.disconnects("superseded") == 1);
            await().atMost(TIMEOUT).until(() -> broker.proxy.abandonedEndedByBroker() == 1);
        }
    }

    /**
     * The recovered instance publishes: the message must reach the channel. ably-java 1.2.54 (and
     * its master as of 1.8.0) sets msgSerial from the key (RTN16f) and then back to 0 on its first
     * CONNECTED ({@code ConnectionManager.onConnected}: no previous connection.id, so
     * {@code msgSerial = 0}), so its first publish after recovering reuses msgSerial 0 of a
     * connection whose msgSerial 0 was already published by the old instance, and the broker, which
     * de-duplicates realtime publishes by the id {@code connectionId:msgSerial:index}, ACKs it and
     * drops it: silent loss. Fails until the broker tells such a publish from a resend.
     */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void aPublishFromTheRecoveredInstanceIsDelivered(boolean binary) throws Exception {
        broker = new ContinuityBroker();
        String name = ContinuityBroker.uniqueChannel("recover-publish");
        AblyRealtime watcher = broker.connected("watcher", binary, false);
        List<Message> seen = subscribed(watcher.channels.get(name));

        AblyRealtime old = broker.connected("alice", binary, true);
        Channel oldChannel = old.channels.get(name);
        succeeds(l -> oldChannel.publish("from-old", "o", l)); // msgSerial 0: the key says the next is 1
        await().atMost(TIMEOUT).until(() -> seen.size() == 1);
        String id = old.connection.id;
        String recoveryKey = old.connection.createRecoveryKey();
        assertTrue(recoveryKey.contains("\"msgSerial\":1"), recoveryKey);
        broker.proxy.refuseNew();
        broker.proxy.cutAll(BrokerSide.CLOSE);

        AblyRealtime recovered = broker.recovered("alice", binary, recoveryKey);
        assertEquals(id, recovered.connection.id);
        succeeds(l -> recovered.channels.get(name).publish("from-recovered", "r", l));
        AblyRealtime marker = broker.connected("marker", binary, false);
        succeeds(l -> marker.channels.get(name).publish("marker", "m", l));
        await().atMost(TIMEOUT).until(() -> seen.stream().anyMatch(m -> "marker".equals(m.name)));
        assertEquals(List.of("from-old", "from-recovered", "marker"), seen.stream().map(m -> m.name).toList(),
                "the recovered instance's publish was ACKed but never delivered (ably-java restarts msgSerial at 0"
                        + " after recover; the broker takes id " + id + ":0:0 for a resend of the old instance's message)");
    }

    /** RTN16l: the key of a connection since CLOSEd recovers nothing: a new connection and 80008. */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void theKeyOfAClosedConnectionGivesANewConnectionAndTheReason(boolean binary) throws Exception {
        broker = new ContinuityBroker();
        AblyRealtime old = broker.connected("alice", binary, false);
        String id = old.connection.id;
        String recoveryKey = old.connection.createRecoveryKey();
        assertNotNull(recoveryKey);
        old.close();
        await().atMost(TIMEOUT).until(() -> old.connection.state == ConnectionState.closed);

        AblyRealtime fresh = broker.recovered("alice", binary, recoveryKey);
        assertNotEquals(id, fresh.connection.id);
        assertNotNull(fresh.connection.reason, "the app is told recovery failed");
        assertEquals(80008, fresh.connection.reason.code, fresh.connection.reason.message);
    }
}
