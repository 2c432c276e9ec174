package dev.hubbub.server.continuity;

import static dev.hubbub.server.continuity.ContinuityBroker.TIMEOUT;
import static dev.hubbub.server.AblyJavaOps.completion;
import static dev.hubbub.server.continuity.ContinuityBroker.rewind;
import static dev.hubbub.server.continuity.ContinuityBroker.subscribed;
import static dev.hubbub.server.AblyJavaOps.succeeds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.session.Limits;
import dev.hubbub.testkit.DroppingProxy.BrokerSide;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ChannelStateListener.ChannelStateChange;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.realtime.ConnectionStateListener.ConnectionStateChange;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.types.PresenceMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resume (RTN15) with the real ably-java 1.2.54, JSON and MessagePack: its transport is cut under it
 * by a {@link dev.hubbub.testkit.DroppingProxy} (the broker's side reset, or left open as after a
 * network that vanished), messages are published while it is away, and it comes back on its own.
 */
class AblyJavaResumeTest extends ContinuityTestBase {
    private static final int MISSED = 5;

    @ParameterizedTest(name = "useBinaryProtocol={0}, broker side {1}")
    @MethodSource("dev.hubbub.server.continuity.ContinuityBroker#formatsAndSides")
    void aCutConnectionResumesWithItsIdEveryMissedMessageOnceAndNoPresenceChange(boolean binary, BrokerSide side)
            throws Exception {
        broker = new ContinuityBroker();
        String name = ContinuityBroker.uniqueChannel("resume");
        AblyRealtime watcher = broker.connected("watcher", binary, false);
        Channel watched = watcher.channels.get(name);
        List<PresenceMessage> seen = new CopyOnWriteArrayList<>();
        watched.presence.subscribe(seen::add);
        await().atMost(TIMEOUT).until(() -> watched.state == ChannelState.attached);
        AblyRealtime publisher = broker.connected("pub", binary, false);
        Channel publishing = publisher.channels.get(name);

        AblyRealtime alice = broker.connected("alice", binary, true);
        Channel channel = alice.channels.get(name);
        List<Message> received = subscribed(channel);
        succeeds(l -> channel.presence.enter("here", l));
        await().atMost(TIMEOUT).until(() -> seen.stream().anyMatch(p -> "alice".equals(p.clientId)));
        succeeds(l -> publishing.publish("before", "b", l));
        await().atMost(TIMEOUT).until(() -> received.size() == 1);

        String id = alice.connection.id;
        List<ConnectionStateChange> connectionChanges = new CopyOnWriteArrayList<>();
        alice.connection.on(connectionChanges::add);
        List<ChannelStateChange> channelChanges = new CopyOnWriteArrayList<>();
        channel.on(channelChanges::add);

        broker.proxy.holdNew();
        assertEquals(1, broker.proxy.cutAll(side));
        // the SDK noticed and is reconnecting: its new connection waits in the proxy
        await().atMost(TIMEOUT).until(() -> broker.proxy.held() >= 1);
        for (int i = 1; i <= MISSED; i++) {
            String n = "missed-" + i;
            succeeds(l -> publishing.publish(n, n, l));
        }
        broker.proxy.admitNew();

        await().atMost(TIMEOUT).until(() -> alice.connection.state == ConnectionState.connected
                && channel.state == ChannelState.attached && received.size() >= 1 + MISSED);
        succeeds(l -> publishing.publish("after", "a", l));
        await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(m -> "after".equals(m.name)));

        List<String> expected = new ArrayList<>(List.of("before"));
        for (int i = 1; i <= MISSED; i++) {
            expected.add("missed-" + i);
        }
        expected.add("after");
        assertEquals(expected, received.stream().map(m -> m.name).toList(), "every message once, in order");

        assertEquals(id, alice.connection.id, "the same connection");
        ConnectionStateChange back = connectionChanges.stream().filter(c -> c.current == ConnectionState.connected)
                .reduce((a, b) -> b).orElseThrow();
        assertNull(back.reason, () -> "a resume without error, got " + back.reason.code + " " + back.reason.message);
        ChannelStateChange reattached = channelChanges.stream().filter(c -> c.current == ChannelState.attached)
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no re-attach: " + describe(channelChanges)));
        assertTrue(reattached.resumed, "the re-attach reports resumed=true: " + describe(channelChanges));
        assertTrue(channelChanges.stream().noneMatch(c -> c.current == ChannelState.failed
                || c.current == ChannelState.suspended || c.current == ChannelState.detached), describe(channelChanges));
        if (side == BrokerSide.LEAVE_OPEN) {
            // the resume took over a connection whose old transport the broker still had open: it stops using it and closes it
            await().atMost(TIMEOUT).until(() -> broker.disconnects("superseded") == 1);
            await().atMost(TIMEOUT).until(() -> broker.proxy.abandonedEndedByBroker() == 1);
        }

        // past the grace period a dropped member would have had; then a marker the watcher sees after anything before it
        broker.time.advance(Duration.ofSeconds(60));
        AblyRealtime marker = broker.connected("marker", binary, false);
        succeeds(l -> marker.channels.get(name).presence.enter("m", l));
        await().atMost(TIMEOUT).until(() -> seen.stream().anyMatch(p -> "marker".equals(p.clientId)));
        List<PresenceMessage.Action> aliceEvents = seen.stream().filter(p -> "alice".equals(p.clientId))
                .map(p -> p.action).toList();
        assertEquals(PresenceMessage.Action.enter, aliceEvents.get(0), aliceEvents.toString());
        assertTrue(aliceEvents.stream().skip(1).noneMatch(a -> a == PresenceMessage.Action.enter
                || a == PresenceMessage.Action.leave || a == PresenceMessage.Action.absent),
                "others saw alice leave or enter again: " + aliceEvents);
        assertEquals(2, broker.app.presence().memberCount(new ChannelKey("cont", name)), "alice and marker are present");
        assertTrue(List.of(watched.presence.get()).stream().anyMatch(p -> "alice".equals(p.clientId)), "alice still present");
    }

    /**
     * A channel attached with params.rewind resumes from its channelSerial after a cut: the re-ATTACH
     * carries both, the serial wins, nothing is rewound a second time.
     */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void aRewoundChannelResumesWithoutRewindingAgain(boolean binary) throws Exception {
        broker = new ContinuityBroker();
        String name = ContinuityBroker.uniqueChannel("rewound");
        AblyRealtime publisher = broker.connected("pub", binary, false);
        Channel publishing = publisher.channels.get(name);
        for (int i = 1; i <= 4; i++) {
            String n = "r" + i;
            succeeds(l -> publishing.publish(n, n, l));
        }
        AblyRealtime alice = broker.connected("alice", binary, true);
        Channel channel = alice.channels.get(name, rewind("2"));
        List<Message> received = new CopyOnWriteArrayList<>();
        channel.subscribe(received::add);
        await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached && received.size() == 2);

        broker.proxy.holdNew();
        broker.proxy.cutAll(BrokerSide.CLOSE);
        await().atMost(TIMEOUT).until(() -> broker.proxy.held() >= 1);
        succeeds(l -> publishing.publish("m1", "m", l));
        succeeds(l -> publishing.publish("m2", "m", l));
        broker.proxy.admitNew();
        await().atMost(TIMEOUT).until(() -> alice.connection.state == ConnectionState.connected
                && channel.state == ChannelState.attached && received.size() >= 4);
        succeeds(l -> publishing.publish("after", "a", l));
        await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(m -> "after".equals(m.name)));
        assertEquals(List.of("r3", "r4", "m1", "m2", "after"), received.stream().map(m -> m.name).toList());
    }

    /**
     * RTN19a: a publish whose ACK was lost with the transport is sent again after the resume with
     * its msgSerial, and one made while disconnected is sent then too: the broker ACKs both, and
     * delivers each once, with ids that show msgSerial continuing across the resume.
     */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void aPublishWhoseAckWasLostIsAckedAfterTheResumeAndDeliveredOnce(boolean binary) throws Exception {
        broker = new ContinuityBroker();
        String name = ContinuityBroker.uniqueChannel("inflight");
        AblyRealtime subscriber = broker.connected("sub", binary, false);
        List<Message> received = subscribed(subscriber.channels.get(name));
        AblyRealtime alice = broker.connected("alice", binary, true);
        Channel channel = alice.channels.get(name);
        succeeds(channel::attach);
        String id = alice.connection.id;

        broker.proxy.dropFromBroker();
        CompletableFuture<ErrorInfo> inFlight = completion(l -> channel.publish("in-flight", "1", l));
        await().atMost(TIMEOUT).until(() -> received.size() == 1); // the broker took it; its ACK is lost
        assertFalse(inFlight.isDone(), "the ACK was dropped");
        broker.proxy.holdNew();
        broker.proxy.cutAll(BrokerSide.CLOSE);
        await().atMost(TIMEOUT).until(() -> broker.proxy.held() >= 1);
        CompletableFuture<ErrorInfo> queued = completion(l -> channel.publish("queued", "2", l));
        broker.proxy.admitNew();

        await().atMost(TIMEOUT).until(() -> inFlight.isDone() && queued.isDone());
        assertNull(inFlight.join(), () -> "in-flight publish: " + inFlight.join().message);
        assertNull(queued.join(), () -> "queued publish: " + queued.join().message);
        assertEquals(id, alice.connection.id);
        succeeds(l -> channel.publish("after", "3", l));
        await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(m -> "after".equals(m.name)));
        assertEquals(List.of("in-flight", "queued", "after"), received.stream().map(m -> m.name).toList(), "each once, in order");
        assertEquals(List.of(id + ":0:0", id + ":1:0", id + ":2:0"), received.stream().map(m -> m.id).toList(),
                "msgSerial goes on across the resume");
    }

    /**
     * connectionStateTtl (2 s here) passes on the broker's clock while the proxy refuses the SDK's
     * attempts: the resume it then makes gets a new connection and 80008, which the app sees.
     */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void aResumeAfterConnectionStateTtlGetsANewConnectionAndTheReason(boolean binary) throws Exception {
        Limits d = Limits.defaults();
        broker = new ContinuityBroker(new Limits(d.maxMessageSize(), d.maxFrameSize(), d.maxInboundRate(),
                d.maxIdleInterval(), 2_000, d.maxChannelsPerConnection(), d.serverId()));
        String name = ContinuityBroker.uniqueChannel("expired");
        AblyRealtime alice = broker.connected("alice", binary, true);
        Channel channel = alice.channels.get(name);
        List<Message> received = subscribed(channel);
        String id = alice.connection.id;
        List<ConnectionStateChange> connectionChanges = new CopyOnWriteArrayList<>();
        alice.connection.on(connectionChanges::add);

        double lost = broker.disconnects("transport_lost");
        broker.proxy.refuseNew();
        broker.proxy.cutAll(BrokerSide.CLOSE);
        await().atMost(TIMEOUT).until(() -> broker.disconnects("transport_lost") > lost); // the broker parked it
        await().atMost(TIMEOUT).until(() -> broker.proxy.refused() >= 1); // and the SDK is trying to come back
        broker.time.advance(Duration.ofSeconds(3)); // past connectionStateTtl on the broker's clock
        broker.proxy.admitNew();

        await().atMost(TIMEOUT).until(() -> alice.connection.state == ConnectionState.connected);
        assertNotEquals(id, alice.connection.id, "a new connection");
        ConnectionStateChange back = connectionChanges.stream().filter(c -> c.current == ConnectionState.connected)
                .reduce((a, b) -> b).orElseThrow();
        assertNotNull(back.reason, "the app is told why continuity was lost");
        assertEquals(80008, back.reason.code, back.reason.message);
        assertEquals(400, back.reason.statusCode, back.reason.message);
        assertNotNull(alice.connection.reason, "connection.reason");

        await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached);
        AblyRealtime publisher = broker.connected("pub", binary, false);
        succeeds(l -> publisher.channels.get(name).publish("live", "l", l));
        await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(m -> "live".equals(m.name)));
    }

    private static String describe(List<ChannelStateChange> changes) {
        StringBuilder b = new StringBuilder();
        for (ChannelStateChange c : changes) {
            b.append(c.previous).append("->").append(c.current).append(c.resumed ? "(resumed)" : "")
                    .append(c.reason == null ? "" : " " + c.reason.code).append("; ");
        }
        return b.toString();
    }
}
