package dev.hubbub.server.presence;

import static dev.hubbub.server.presence.BrokerFixture.attached;
import static dev.hubbub.server.presence.BrokerFixture.outcome;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.hubbub.testkit.RawWebSocket;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Param;
import io.ably.lib.types.PresenceMessage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Presence end to end with the official ably-java SDK (JSON and MessagePack), raw WebSocket where the SDK refuses. */
class AblyPresenceTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private BrokerFixture broker;

    @BeforeEach
    void start() throws Exception { broker = new BrokerFixture(); }

    @AfterEach
    void stop() { broker.close(); }

    /** B's view of a channel: every presence event it was told, in order. */
    private static List<PresenceMessage> watch(Channel ch) throws AblyException {
        List<PresenceMessage> events = new CopyOnWriteArrayList<>();
        ch.presence.subscribe(events::add);
        return events;
    }

    private static PresenceMessage awaitEvent(List<PresenceMessage> events, Predicate<PresenceMessage> match) {
        await().atMost(WAIT).until(() -> events.stream().anyMatch(match));
        return events.stream().filter(match).findFirst().orElseThrow();
    }

    private static Predicate<PresenceMessage> is(PresenceMessage.Action action, String clientId) {
        return p -> p.action == action && clientId.equals(p.clientId);
    }

    /** presence.get(true) waits for the SYNC to complete: a broken sync must fail the test, not hang it. */
    private static PresenceMessage[] get(Channel ch) {
        return assertTimeoutPreemptively(WAIT, () -> ch.presence.get(true));
    }

    private static List<String> members(Channel ch) {
        return Arrays.stream(get(ch)).map(p -> p.clientId).sorted().toList();
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void enterUpdateAndLeaveAreSeenByAnotherClient(boolean binary) throws Exception {
        AblyRealtime a = broker.realtime(BrokerFixture.ALL, "alice", binary);
        AblyRealtime b = broker.realtime(BrokerFixture.ALL, "bob", binary);
        Channel chB = attached(b, "room");
        List<PresenceMessage> seen = watch(chB);
        Channel chA = attached(a, "room");

        assertNull(outcome(l -> chA.presence.enter("hello", l)));
        PresenceMessage enter = awaitEvent(seen, is(PresenceMessage.Action.enter, "alice"));
        assertEquals("hello", enter.data);
        assertEquals(a.connection.id, enter.connectionId);
        assertTrue(enter.id.startsWith(a.connection.id + ":"), enter.id);
        assertTrue(enter.timestamp > 0);
        await().atMost(WAIT).until(() -> members(chB).equals(List.of("alice")));
        assertEquals("hello", get(chB)[0].data);
        await().atMost(WAIT).until(() -> members(chA).equals(List.of("alice")));

        assertNull(outcome(l -> chA.presence.update("busy", l)));
        assertEquals("busy", awaitEvent(seen, is(PresenceMessage.Action.update, "alice")).data);
        assertNull(outcome(l -> chA.presence.leave(l)));
        awaitEvent(seen, is(PresenceMessage.Action.leave, "alice"));
        await().atMost(WAIT).until(() -> members(chB).isEmpty());
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void closingTheConnectionRemovesTheMember(boolean binary) throws Exception {
        AblyRealtime a = broker.realtime(BrokerFixture.ALL, "alice", binary);
        AblyRealtime b = broker.realtime(BrokerFixture.ALL, "bob", binary);
        Channel chB = attached(b, "room");
        List<PresenceMessage> seen = watch(chB);
        Channel chA = attached(a, "room");
        assertNull(outcome(l -> chA.presence.enter("hi", l)));
        awaitEvent(seen, is(PresenceMessage.Action.enter, "alice"));

        a.close();
        PresenceMessage leave = awaitEvent(seen, is(PresenceMessage.Action.leave, "alice"));
        assertFalse(leave.id.startsWith(leave.connectionId), "a broker-made LEAVE is compared by timestamp: " + leave.id);
        await().atMost(WAIT).until(() -> members(chB).isEmpty());
        assertEquals(0, broker.time.pending(), "closed, not dropped: no grace period");
    }

    @Test
    void aDroppedConnectionsMemberLeavesAfterTheGracePeriod() throws Exception {
        AblyRealtime b = broker.realtime(BrokerFixture.ALL, "bob", false);
        Channel chB = attached(b, "room");
        List<PresenceMessage> seen = watch(chB);
        RawWebSocket alice = broker.raw(RawWebSocket.param("key", BrokerFixture.ALL) + "&clientId=alice");
        alice.attach("room");
        ArrayNode enter = RawWebSocket.JSON.createArrayNode().add(RawWebSocket.presenceItem(2, null, "on the train"));
        assertEquals(1, alice.presence("room", enter).path("action").asInt());
        awaitEvent(seen, is(PresenceMessage.Action.enter, "alice"));

        alice.abort();
        await().atMost(WAIT).until(() -> broker.time.pending() == 1);
        broker.time.advance(Duration.ofMillis(14_000));
        assertEquals(List.of("alice"), members(chB), "still present within the grace period");
        assertTrue(seen.stream().noneMatch(is(PresenceMessage.Action.leave, "alice")));

        broker.time.advance(Duration.ofMillis(1_000));
        PresenceMessage leave = awaitEvent(seen, is(PresenceMessage.Action.leave, "alice"));
        assertFalse(leave.id.startsWith(leave.connectionId), leave.id);
        assertEquals("on the train", leave.data);
        await().atMost(WAIT).until(() -> members(chB).isEmpty());
    }

    @Test
    void anIdentifiedClientCannotEnterAsSomeoneElse() throws Exception {
        AblyRealtime b = broker.realtime(BrokerFixture.ALL, "bob", false);
        Channel chB = attached(b, "room");
        List<PresenceMessage> seen = watch(chB);
        AblyRealtime a = broker.realtime(BrokerFixture.ALL, "alice", false);
        Channel chA = attached(a, "room");
        ErrorInfo refused = outcome(l -> chA.presence.enterClient("mallory", null, l));
        assertNotNull(refused, "ably-java may refuse locally; the server must refuse too (below)");
        assertEquals(40012, refused.code);

        // what ably-java would not send: the server is the guard
        RawWebSocket raw = broker.raw(RawWebSocket.param("key", BrokerFixture.ALL) + "&clientId=alice");
        raw.attach("room");
        var nack = raw.presence("room", RawWebSocket.JSON.createArrayNode().add(RawWebSocket.presenceItem(2, "mallory", null)));
        assertEquals(2, nack.path("action").asInt());
        assertEquals(40012, nack.path("error").path("code").asInt());
        assertEquals(400, nack.path("error").path("statusCode").asInt());
        assertEquals(1, nack.path("count").asInt());
        assertTrue(members(chB).isEmpty());
        assertTrue(seen.isEmpty());
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void aKeyOnlyClientMayEnterAnyClientId(boolean binary) throws Exception {
        AblyRealtime b = broker.realtime(BrokerFixture.ALL, "bob", binary);
        Channel chB = attached(b, "room");
        List<PresenceMessage> seen = watch(chB);
        AblyRealtime server = broker.realtime(BrokerFixture.ALL, null, binary);
        Channel ch = attached(server, "room");
        assertNull(outcome(l -> ch.presence.enterClient("dave", "from the server", l)));
        assertEquals("from the server", awaitEvent(seen, is(PresenceMessage.Action.enter, "dave")).data);
        await().atMost(WAIT).until(() -> members(chB).equals(List.of("dave")));
    }

    @Test
    void withoutThePresenceCapabilityEnterIsRefused() throws Exception {
        AblyRealtime carol = broker.realtime(BrokerFixture.NO_PRESENCE, "carol", false);
        Channel ch = attached(carol, "room");
        ErrorInfo refused = outcome(l -> ch.presence.enter("x", l));
        assertNotNull(refused);
        assertEquals(40160, refused.code);
        assertEquals(0, broker.app.presence().channelCount());
    }

    @Test
    void aTokenWithoutClientIdCannotEnter() throws Exception {
        AblyRest rest = broker.rest(BrokerFixture.ALL, false);
        String token = rest.auth.requestToken(null, null).token;
        RawWebSocket anon = broker.raw(RawWebSocket.param("accessToken", token));
        anon.attach("room");
        var nack = anon.presence("room", RawWebSocket.JSON.createArrayNode().add(RawWebSocket.presenceItem(2, null, null)));
        assertEquals(40012, nack.path("error").path("code").asInt());
        nack = anon.presence("room", RawWebSocket.JSON.createArrayNode().add(RawWebSocket.presenceItem(2, "someone", null)));
        assertEquals(40012, nack.path("error").path("code").asInt());
        assertEquals(0, broker.app.presence().channelCount());
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void aLateAttacherGetsAThousandMembersThroughAPagedSync(boolean binary) throws Exception {
        int total = 0;
        // 5 connections of 240 members each: within one connection's inbound rate (250 messages at once)
        for (int conn = 0; conn < 5; conn++) {
            RawWebSocket server = broker.raw(RawWebSocket.param("key", BrokerFixture.ALL));
            server.attach("crowd");
            for (int batch = 0; batch < 3; batch++) {
                ArrayNode items = RawWebSocket.JSON.createArrayNode();
                for (int i = 0; i < 80; i++) {
                    items.add(RawWebSocket.presenceItem(2, "m" + (total++), "d"));
                }
                assertEquals(1, server.presence("crowd", items).path("action").asInt());
            }
        }
        assertEquals(1_200, broker.app.presence().memberCount(new dev.hubbub.core.channel.ChannelKey("app", "crowd")));

        RawWebSocket probe = broker.raw(RawWebSocket.param("key", BrokerFixture.ALL));
        probe.attach("crowd");
        await().atMost(WAIT).until(() -> probe.frames().stream().anyMatch(f -> f.path("action").asInt() == 16
                && f.path("channelSerial").asText().endsWith(":")));
        long pages = probe.frames().stream().filter(f -> f.path("action").asInt() == 16).count();
        assertTrue(pages > 1, "pages: " + pages);

        AblyRealtime late = broker.realtime(BrokerFixture.ALL, "late", binary);
        Channel ch = attached(late, "crowd");
        PresenceMessage[] all = get(ch);
        assertEquals(1_200, all.length);
        assertEquals(1_200, Arrays.stream(all).map(p -> p.connectionId + ":" + p.clientId).distinct().count());
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void restListsTheMembersWithFilters(boolean binary) throws Exception {
        AblyRealtime a = broker.realtime(BrokerFixture.ALL, "alice", false);
        Channel chA = attached(a, "room");
        assertNull(outcome(l -> chA.presence.enter("rest me", l)));
        AblyRealtime s = broker.realtime(BrokerFixture.ALL, null, false);
        Channel chS = attached(s, "room");
        assertNull(outcome(l -> chS.presence.enterClient("dave", null, l)));

        AblyRest rest = broker.rest(BrokerFixture.NO_PRESENCE, binary);
        PresenceMessage[] everyone = rest.channels.get("room").presence.get(new Param[0]).items();
        assertEquals(List.of("alice", "dave"), Arrays.stream(everyone).map(p -> p.clientId).sorted().toList());
        assertTrue(Arrays.stream(everyone).allMatch(p -> p.action == PresenceMessage.Action.present));
        PresenceMessage[] alice = rest.channels.get("room").presence.get(new Param[] {new Param("clientId", "alice")}).items();
        assertEquals(1, alice.length);
        assertEquals("rest me", alice[0].data);
        assertEquals(a.connection.id, alice[0].connectionId);
        assertEquals(1, rest.channels.get("room").presence.get(new Param[] {new Param("limit", "1")}).items().length);

        AblyRest publisher = broker.rest(BrokerFixture.PUBLISH_ONLY, binary);
        AblyException denied = assertThrows(AblyException.class,
                () -> publisher.channels.get("room").presence.get(new Param[0]));
        assertEquals(40160, denied.errorInfo.code);
    }
}
