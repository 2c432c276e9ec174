package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenVerifier;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ConnectionDetails;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.core.session.DisconnectReason;
import dev.hubbub.testkit.TestCore;
import dev.hubbub.core.protocol.ProtocolMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The session state machine with the real core graph (router, gate, publish funnel, presence) and a recording fake transport. */
class SessionTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final String FULL = "app1.full:secret1";
    private static final String SUBSCRIBE_ONLY = "app1.subonly:secret2";
    private static final String OTHER_APP = "app2.full:secret3";

    private final TestCore core = TestCore.builder()
            .key(new ApiKey("app1.full", "secret1", Capability.ALL))
            .key(new ApiKey("app1.subonly", "secret2", Capability.parse("{\"*\":[\"subscribe\"]}").value()))
            .key(new ApiKey("app2.full", "secret3", Capability.ALL))
            .clock(Clock.fixed(Instant.ofEpochMilli(T0), ZoneOffset.UTC))
            .build();
    private final ChannelRouter router = core.router;
    private final BrokerMetrics metrics = core.metrics;
    private final Connector broker = core.connector;

    /** A connected client: its session and everything sent to it. */
    record Client(Session session, RecordingTransport out) {
        String id() { return session.connectionId(); }

        void send(ProtocolMessage m) { session.handle(m); }

        List<ProtocolMessage> deliveries() { return out.frames(Action.MESSAGE); }
    }

    private Client connect(String key, String clientId) { return connect(key, clientId, true, null, null); }

    private Client connect(String key, String clientId, boolean echo, String resume, String recover) {
        RecordingTransport t = new RecordingTransport();
        Session s = broker.connect(new ConnectRequest(key, null, clientId, "json", "2", echo, resume, recover, "test:1"), t);
        assertNotNull(s, () -> "connection refused: " + t.frames());
        return new Client(s, t);
    }

    private static ProtocolMessage frame(Action action, String channel, Integer flags, Long msgSerial, List<Message> messages) {
        return new ProtocolMessage(action, null, channel, null, null, null, null, null, flags, msgSerial, messages, null, null,
                null, null, null);
    }

    private static ProtocolMessage attach(String channel) { return frame(Action.ATTACH, channel, null, null, null); }

    private static ProtocolMessage detach(String channel) { return frame(Action.DETACH, channel, null, null, null); }

    private static ProtocolMessage publish(String channel, long msgSerial, Message... messages) {
        return frame(Action.MESSAGE, channel, null, msgSerial, List.of(messages));
    }

    private static Message msg(String clientId, String data) { return Message.of("greeting", data).withClientId(clientId); }

    private static void assertError(int code, int statusCode, ErrorInfo error) {
        assertNotNull(error, "expected an error");
        assertEquals(code, error.code(), error.message());
        assertEquals(statusCode, error.statusCode());
    }

    // ---- connect

    @Test
    void connectedCarriesConnectionIdAndDetails() {
        Client alice = connect(FULL, "alice");
        ProtocolMessage connected = alice.out().frames().get(0);
        assertEquals(Action.CONNECTED, connected.action());
        assertEquals(alice.id(), connected.connectionId());
        assertFalse(connected.connectionId().contains(":"), connected.connectionId());
        assertFalse(connected.connectionId().isEmpty());
        assertNull(connected.error());
        assertNull(connected.channel());
        ConnectionDetails d = connected.connectionDetails();
        assertEquals("alice", d.clientId());
        assertNotNull(d.connectionKey());
        assertNotEquals(connected.connectionId(), d.connectionKey());
        assertEquals(65536, d.maxMessageSize());
        assertEquals(524288, d.maxFrameSize());
        assertEquals(250, d.maxInboundRate());
        assertEquals(15000, d.maxIdleInterval());
        assertEquals(120000, d.connectionStateTtl());
        assertNotNull(d.serverId());
        assertEquals(1, metrics.connections());
    }

    @Test
    void keyAloneConnectsAsWildcard() {
        assertEquals("*", connect(FULL, null).out().only(Action.CONNECTED).connectionDetails().clientId());
    }

    @Test
    void connectionIdsAreUnique() {
        assertNotEquals(connect(FULL, "alice").id(), connect(FULL, "alice").id());
    }

    @Test
    void wrongSecretGetsErrorThenClose() {
        RecordingTransport t = new RecordingTransport();
        assertNull(broker.connect(new ConnectRequest("app1.full:nope", null, null, "json", "2", true, null, null, "x"), t));
        assertEquals(List.of(Action.ERROR), t.frames().stream().map(ProtocolMessage::action).toList());
        assertError(40101, 401, t.last().error());
        assertNull(t.last().channel());
        assertTrue(t.isClosed());
        assertEquals(0, metrics.connections());
    }

    @Test
    void invalidClientIdParameterGetsErrorThenClose() {
        for (String bad : new String[] {"*", ""}) {
            RecordingTransport t = new RecordingTransport();
            assertNull(broker.connect(new ConnectRequest(FULL, null, bad, "json", "2", true, null, null, "x"), t));
            assertError(40012, 400, t.only(Action.ERROR).error());
            assertTrue(t.isClosed());
        }
    }

    @Test
    void unsupportedProtocolVersionIsRefused() {
        RecordingTransport t = new RecordingTransport();
        assertNull(broker.connect(new ConnectRequest(FULL, null, null, "json", "1.2", true, null, null, "x"), t));
        assertError(40017, 400, t.only(Action.ERROR).error());
        for (String v : new String[] {"2", "3", "4", "5", "6"}) {
            RecordingTransport ok = new RecordingTransport();
            assertNotNull(broker.connect(new ConnectRequest(FULL, null, null, "json", v, true, null, null, "x"), ok), v);
        }
    }

    @Test
    void aMalformedRecoveryKeyGivesANewConnectionWith80018() {
        ProtocolMessage connected = connect(FULL, null, true, null, "abc!def").out().only(Action.CONNECTED);
        assertError(80018, 400, connected.error());
        assertNotNull(connected.connectionDetails());
    }

    // ---- attach / detach

    @Test
    void attachIsAnsweredWithGrantedModes() {
        Client alice = connect(FULL, "alice");
        alice.send(attach("room"));
        ProtocolMessage attached = alice.out().only(Action.ATTACHED);
        assertEquals("room", attached.channel());
        assertNotNull(attached.channelSerial());
        int flags = attached.flagsOrZero();
        assertTrue(Flags.has(flags, Flags.MODE_PUBLISH));
        assertTrue(Flags.has(flags, Flags.MODE_SUBSCRIBE));
        assertTrue(Flags.has(flags, Flags.MODE_PRESENCE));
        assertTrue(Flags.has(flags, Flags.MODE_PRESENCE_SUBSCRIBE));
        assertEquals(1, router.channelCount());
    }

    @Test
    void subscribeOnlyCapabilityGrantsNoPublishMode() {
        Client reader = connect(SUBSCRIBE_ONLY, null);
        reader.send(attach("room"));
        int flags = reader.out().only(Action.ATTACHED).flagsOrZero();
        assertTrue(Flags.has(flags, Flags.MODE_SUBSCRIBE));
        assertFalse(Flags.has(flags, Flags.MODE_PUBLISH));
        assertFalse(Flags.has(flags, Flags.MODE_PRESENCE));

        reader.send(publish("room", 0, msg(null, "x")));
        ProtocolMessage nack = reader.out().only(Action.NACK);
        assertEquals(0L, nack.msgSerial());
        assertError(40160, 401, nack.error());
    }

    @Test
    void requestedModesAreIntersectedWithTheCapability() {
        Client alice = connect(FULL, "alice");
        alice.send(frame(Action.ATTACH, "room", Flags.MODE_SUBSCRIBE | Flags.ATTACH_RESUME, null, null));
        assertEquals(Flags.MODE_SUBSCRIBE, alice.out().only(Action.ATTACHED).flagsOrZero());
        // attached without PUBLISH: publishing is refused with 40165
        alice.send(publish("room", 0, msg(null, "x")));
        assertError(40165, 401, alice.out().only(Action.NACK).error());
    }

    @Test
    void eachPublishIsHeldToTheModesOfTheLatestAttachUnderItsName() {
        Client alice = connect(FULL, "alice");
        ProtocolMessage subscribeOnly = frame(Action.ATTACH, "room", Flags.MODE_SUBSCRIBE, null, null);
        alice.send(subscribeOnly);
        alice.send(publish("room", 0, msg(null, "refused")));
        alice.send(publish("room", 1, msg(null, "refused again"))); // the same name twice: still its modes
        alice.send(attach("room")); // re-attached with every mode
        alice.send(publish("room", 2, msg(null, "accepted")));
        alice.send(subscribeOnly);
        alice.send(publish("room", 3, msg(null, "refused after narrowing")));
        alice.send(detach("room")); // not attached: a publish is held to the capability alone
        alice.send(publish("room", 4, msg(null, "accepted unattached")));

        List<ProtocolMessage> nacks = alice.out().frames(Action.NACK);
        assertEquals(List.of(0L, 1L, 3L), nacks.stream().map(ProtocolMessage::msgSerial).toList());
        nacks.forEach(n -> assertError(40165, 401, n.error()));
        assertEquals(List.of(2L, 4L), alice.out().frames(Action.ACK).stream().map(ProtocolMessage::msgSerial).toList());
    }

    @Test
    void reattachIsIdempotent() {
        Client alice = connect(FULL, "alice");
        Client bob = connect(FULL, "bob");
        alice.send(attach("room"));
        alice.send(attach("room"));
        assertEquals(2, alice.out().frames(Action.ATTACHED).size());
        assertEquals(1, router.find(new ChannelKey("app1", "room")).subscriberCount());

        bob.send(publish("room", 0, msg(null, "once")));
        assertEquals(1, alice.deliveries().size(), alice.out().frames()::toString);
    }

    @Test
    void invalidChannelNameGetsChannelLevelError() {
        Client alice = connect(FULL, "alice");
        for (String bad : new String[] {"[meta]log", ":leading-colon", "bad\u0001name"}) {
            alice.out().clear();
            alice.send(attach(bad));
            ProtocolMessage error = alice.out().only(Action.ERROR);
            assertEquals(bad, error.channel(), "the error must be channel-level");
            assertError(40010, 400, error.error());
        }
        assertFalse(alice.out().isClosed());
        alice.send(attach("fine"));
        assertEquals("fine", alice.out().only(Action.ATTACHED).channel());
        assertEquals(1, router.channelCount());
    }

    @Test
    void detachIsAnsweredAndStopsDelivery() {
        Client alice = connect(FULL, "alice");
        Client bob = connect(FULL, "bob");
        alice.send(attach("room"));
        alice.send(detach("room"));
        ProtocolMessage detached = alice.out().only(Action.DETACHED);
        assertEquals("room", detached.channel());
        assertNull(detached.error());
        assertEquals(0, router.channelCount());

        bob.send(publish("room", 0, msg(null, "after detach")));
        assertTrue(alice.deliveries().isEmpty());
    }

    // ---- publish

    @Test
    void messagesAreAckedInOrderWithSerialAndCount() {
        Client alice = connect(FULL, "alice");
        for (long serial = 0; serial < 3; serial++) {
            alice.send(publish("room", serial, msg(null, "m" + serial)));
        }
        List<ProtocolMessage> acks = alice.out().frames(Action.ACK);
        assertEquals(List.of(0L, 1L, 2L), acks.stream().map(ProtocolMessage::msgSerial).toList());
        acks.forEach(a -> assertEquals(1, a.count()));
        assertTrue(alice.out().frames(Action.NACK).isEmpty());
    }

    @Test
    void ackAndNackInterleaveInSerialOrder() {
        Client alice = connect(FULL, "alice");
        alice.send(publish("room", 0, msg(null, "good")));
        alice.send(publish("room", 1, msg("mallory", "bad")));
        alice.send(publish("room", 2, msg("alice", "good")));
        List<ProtocolMessage> replies = alice.out().frames().stream()
                .filter(f -> f.action() == Action.ACK || f.action() == Action.NACK).toList();
        assertEquals(List.of(Action.ACK, Action.NACK, Action.ACK), replies.stream().map(ProtocolMessage::action).toList());
        assertEquals(List.of(0L, 1L, 2L), replies.stream().map(ProtocolMessage::msgSerial).toList());
    }

    @Test
    void masqueradeIsNackedAndNothingIsDelivered() {
        Client alice = connect(FULL, "alice");
        Client bob = connect(FULL, "bob");
        bob.send(attach("room"));
        alice.send(publish("room", 0, msg(null, "good"), msg("mallory", "bad")));
        ProtocolMessage nack = alice.out().only(Action.NACK);
        assertEquals(0L, nack.msgSerial());
        assertEquals(1, nack.count());
        assertError(40012, 400, nack.error());
        assertTrue(alice.out().frames(Action.ACK).isEmpty());
        assertTrue(bob.deliveries().isEmpty(), bob.out().frames()::toString);
        assertFalse(alice.out().isClosed(), "a rejected claim leaves the connection up");
    }

    @Test
    void wildcardClientIdInMessageIsNacked() {
        Client anyone = connect(FULL, null);
        anyone.send(publish("room", 0, msg("*", "bad")));
        assertError(40012, 400, anyone.out().only(Action.NACK).error());
    }

    @Test
    void deliveredMessagesCarryIdConnectionIdTimestampAndResolvedClientId() {
        Client alice = connect(FULL, "alice");
        Client bob = connect(FULL, "bob");
        bob.send(attach("room"));
        alice.send(publish("room", 7, msg(null, "first"), msg("alice", "second")));

        ProtocolMessage delivered = bob.deliveries().get(0);
        assertEquals(1, bob.deliveries().size());
        assertEquals("room", delivered.channel());
        assertEquals(alice.id() + ":7", delivered.id());
        assertEquals(alice.id(), delivered.connectionId());
        assertEquals(T0, delivered.timestamp());
        assertNotNull(delivered.channelSerial());
        List<Message> messages = delivered.messages();
        assertEquals(2, messages.size());
        for (int i = 0; i < 2; i++) {
            Message m = messages.get(i);
            assertEquals(alice.id() + ":7:" + i, m.id());
            assertEquals(alice.id(), m.connectionId());
            assertEquals(T0, m.timestamp());
            assertEquals("alice", m.clientId());
            assertNotNull(m.serial());
        }
        assertEquals(List.of("first", "second"), messages.stream().map(Message::data).toList());

        ProtocolMessage ack = alice.out().only(Action.ACK);
        assertEquals(7L, ack.msgSerial());
        assertEquals(List.of(messages.get(0).serial(), messages.get(1).serial()), ack.res().get(0).serials());
    }

    @Test
    void wildcardPublisherKeepsTheClientIdItNames() {
        Client anyone = connect(FULL, null);
        Client bob = connect(FULL, "bob");
        bob.send(attach("room"));
        anyone.send(publish("room", 0, msg("carol", "a"), msg(null, "b")));
        List<Message> got = bob.deliveries().get(0).messages();
        assertEquals("carol", got.get(0).clientId());
        assertNull(got.get(1).clientId());
    }

    @Test
    void clientSuppliedIdIsKept() {
        Client alice = connect(FULL, "alice");
        Client bob = connect(FULL, "bob");
        bob.send(attach("room"));
        Message withId = new Message("idem-123:0", null, null, null, "n", "d", null, null, null, null, null);
        alice.send(publish("room", 0, withId, msg(null, "no id")));
        List<Message> got = bob.deliveries().get(0).messages();
        assertEquals("idem-123:0", got.get(0).id());
        assertEquals(alice.id() + ":0:1", got.get(1).id());
    }

    @Test
    void idsThatClaimAnotherConnectionAndNonCreateActionsAreRefused() {
        Client alice = connect(FULL, "alice");
        Client bob = connect(FULL, "bob");
        bob.send(attach("room"));
        Message spoofedId = new Message("victimConn:7:0", null, null, null, "n", "d", null, null, null, null, null);
        Message delete = new Message(null, null, null, null, "n", "deleted", null, null, null, 2, null);
        Message ownId = new Message(alice.id() + ":9:0", null, null, null, "n", "mine", null, null, null, 0, null);
        alice.send(publish("room", 0, spoofedId));
        alice.send(publish("room", 1, delete));
        alice.send(publish("room", 2, ownId));
        List<ProtocolMessage> nacks = alice.out().frames(Action.NACK);
        assertEquals(2, nacks.size(), () -> alice.out().frames().toString());
        assertEquals(0L, nacks.get(0).msgSerial());
        assertError(40000, 400, nacks.get(0).error());
        assertEquals(1L, nacks.get(1).msgSerial());
        assertError(40000, 400, nacks.get(1).error());
        assertEquals(1, bob.deliveries().size(), "only the message with its own connection's id is delivered");
        assertEquals("mine", bob.deliveries().get(0).messages().get(0).data());
    }

    @Test
    void echoIsOnByDefault() {
        Client alice = connect(FULL, "alice");
        alice.send(attach("room"));
        alice.send(publish("room", 0, msg(null, "hello")));
        assertEquals(1, alice.deliveries().size());
    }

    @Test
    void echoFalseSuppressesSelfDelivery() {
        Client alice = connect(FULL, "alice", false, null, null);
        Client bob = connect(FULL, "bob");
        alice.send(attach("room"));
        bob.send(attach("room"));
        alice.send(publish("room", 0, msg(null, "hello")));
        assertEquals(0L, alice.out().only(Action.ACK).msgSerial());
        assertTrue(alice.deliveries().isEmpty(), alice.out().frames()::toString);
        assertEquals(1, bob.deliveries().size());
        // alice still receives what others publish
        bob.send(publish("room", 0, msg(null, "to alice")));
        assertEquals(1, alice.deliveries().size());
    }

    @Test
    void publishWithoutAttachIsAccepted() {
        Client alice = connect(FULL, "alice");
        Client bob = connect(FULL, "bob");
        bob.send(attach("room"));
        alice.send(publish("room", 0, msg(null, "unattached")));
        assertEquals(0L, alice.out().only(Action.ACK).msgSerial());
        assertEquals("unattached", bob.deliveries().get(0).messages().get(0).data());
        // and to a channel nobody is attached to
        alice.send(publish("empty-room", 1, msg(null, "nobody")));
        assertEquals(2, alice.out().frames(Action.ACK).size());
        assertEquals(1, router.channelCount());
    }

    @Test
    void messageOverMaxMessageSizeIsNacked() {
        Client alice = connect(FULL, "alice");
        Client bob = connect(FULL, "bob");
        bob.send(attach("room"));
        // the clientId the gate fills in counts toward the size, as an explicit one would
        alice.send(publish("room", 0, Message.of(null, "x".repeat(65536 - "alice".length())))); // exactly the limit
        alice.send(publish("room", 1, Message.of(null, "x".repeat(65537 - "alice".length()))));
        assertEquals(0L, alice.out().only(Action.ACK).msgSerial());
        ProtocolMessage nack = alice.out().only(Action.NACK);
        assertEquals(1L, nack.msgSerial());
        assertError(40009, 413, nack.error());
        assertEquals(1, bob.deliveries().size());
    }

    @Test
    void appsAreIsolated() {
        Client app1Sub = connect(FULL, "s1");
        Client app2Sub = connect(OTHER_APP, "s2");
        Client app1Pub = connect(FULL, "p1");
        Client app2Pub = connect(OTHER_APP, "p2");
        app1Sub.send(attach("room"));
        app2Sub.send(attach("room"));
        assertEquals(2, router.channelCount());

        app1Pub.send(publish("room", 0, msg(null, "for app1")));
        app2Pub.send(publish("room", 0, msg(null, "for app2")));
        assertEquals(List.of("for app1"), app1Sub.deliveries().stream().map(f -> f.messages().get(0).data()).toList());
        assertEquals(List.of("for app2"), app2Sub.deliveries().stream().map(f -> f.messages().get(0).data()).toList());
    }

    @Test
    void messageWithoutMsgSerialIsAnErrorNotAnAck() {
        Client alice = connect(FULL, "alice");
        alice.send(frame(Action.MESSAGE, "room", null, null, List.of(msg(null, "x"))));
        assertTrue(alice.out().frames(Action.ACK).isEmpty());
        assertTrue(alice.out().frames(Action.NACK).isEmpty());
        assertNotNull(alice.out().only(Action.ERROR).error());
    }

    @Test
    void serverOnlyActionsFromTheClientGetAnErrorAndTheConnectionSurvives() {
        Client alice = connect(FULL, "alice");
        alice.send(ProtocolMessage.of(Action.CONNECTED));
        assertError(80013, 400, alice.out().only(Action.ERROR).error());
        assertFalse(alice.out().isClosed());
    }

    // ---- liveness and closing

    @Test
    void heartbeatWithIdIsAnsweredWithTheSameId() {
        Client alice = connect(FULL, "alice");
        alice.send(ProtocolMessage.heartbeat("ping-42"));
        assertEquals("ping-42", alice.out().only(Action.HEARTBEAT).id());
    }

    @Test
    void closeIsAnsweredWithClosedAndReleasesChannels() {
        Client alice = connect(FULL, "alice");
        Client bob = connect(FULL, "bob");
        alice.send(attach("room"));
        alice.send(attach("lobby"));
        assertEquals(2, router.channelCount());
        assertEquals(2, metrics.connections());

        alice.send(ProtocolMessage.of(Action.CLOSE));
        assertEquals(Action.CLOSED, alice.out().last().action());
        assertTrue(alice.out().isClosed());
        assertTrue(alice.session().isClosed());
        assertEquals(0, router.channelCount());
        assertEquals(1, metrics.connections());

        bob.send(publish("room", 0, msg(null, "after close")));
        assertTrue(alice.deliveries().isEmpty());
    }

    @Test
    void disconnectIsAnsweredWithDisconnectedAndReleasesChannels() {
        Client alice = connect(FULL, "alice");
        alice.send(attach("room"));
        alice.send(ProtocolMessage.of(Action.DISCONNECT));
        assertEquals(Action.DISCONNECTED, alice.out().last().action());
        assertTrue(alice.out().isClosed());
        assertEquals(0, router.channelCount());
        assertEquals(0, metrics.connections());
    }

    @Test
    void transportGoingAwayReleasesChannelsOnce() {
        Client alice = connect(FULL, "alice");
        alice.send(attach("room"));
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        assertEquals(0, router.channelCount());
        assertEquals(0, metrics.connections());
    }

    @Test
    void basicAuthConnectionsScheduleNoExpiry() {
        Client alice = connect(FULL, "alice");
        assertTrue(alice.out().liveTimers().isEmpty(), "an API key never expires");
        assertEquals(0, alice.out().runScheduled());
    }

    @Test
    void rejectedClaimsAreCounted() {
        Client alice = connect(FULL, "alice");
        alice.send(publish("room", 0, msg("mallory", "bad")));
        double masquerades = metrics.registry().get("broker.identity.rejected").tag("reason", "masquerade").counter().count();
        assertEquals(1.0, masquerades);
    }
}
