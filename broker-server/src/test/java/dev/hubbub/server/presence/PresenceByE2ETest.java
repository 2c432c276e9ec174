package dev.hubbub.server.presence;

import static dev.hubbub.server.presence.BrokerFixture.attached;
import static dev.hubbub.server.presence.BrokerFixture.outcome;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.hubbub.testkit.RawWebSocket;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ChannelOptions;
import io.ably.lib.types.PresenceMessage;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code presenceBy=clientId} with the official ably-java SDK ({@code ChannelOptions.params}): a
 * person present from two connections is one member, next to a subscriber with the standard view.
 */
class PresenceByE2ETest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private BrokerFixture broker;

    @BeforeEach
    void start() throws Exception { broker = new BrokerFixture(); }

    @AfterEach
    void stop() { broker.close(); }

    /** The channel attached with {@code presenceBy=clientId}. */
    private static Channel byClient(AblyRealtime ably, String name) throws Exception {
        ChannelOptions options = new ChannelOptions();
        options.params = Map.of("presenceBy", "clientId");
        Channel ch = ably.channels.get(name, options);
        assertNull(outcome(ch::attach));
        await().atMost(WAIT).until(() -> ch.state == ChannelState.attached);
        return ch;
    }

    private static List<PresenceMessage> watch(Channel ch) throws AblyException {
        List<PresenceMessage> events = new CopyOnWriteArrayList<>();
        ch.presence.subscribe(events::add);
        return events;
    }

    /** presence.get(true): "clientId=data" per member, sorted. */
    private static List<String> members(Channel ch) {
        PresenceMessage[] all = assertTimeoutPreemptively(WAIT, () -> ch.presence.get(true));
        return Arrays.stream(all).map(p -> p.clientId + "=" + p.data).sorted().toList();
    }

    private static List<String> actions(List<PresenceMessage> events) {
        return events.stream().map(p -> p.action.name() + ":" + p.clientId).toList();
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void aPersonOnTwoConnectionsIsOneMember(boolean binary) throws Exception {
        Channel viewer = byClient(broker.realtime(BrokerFixture.ALL, "vera", binary), "room");
        assertEquals("clientId", viewer.getParams().get("presenceBy"), "the broker echoes the param it honours");
        List<PresenceMessage> seen = watch(viewer);
        Channel standard = attached(broker.realtime(BrokerFixture.ALL, "walt", binary), "room");
        Channel phone = attached(broker.realtime(BrokerFixture.ALL, "alice", binary), "room");
        Channel laptop = attached(broker.realtime(BrokerFixture.ALL, "alice", binary), "room");

        assertNull(outcome(l -> phone.presence.enter("phone", l)));
        assertNull(outcome(l -> laptop.presence.enter("laptop", l)));
        await().atMost(WAIT).until(() -> members(standard).size() == 2);
        await().atMost(WAIT).until(() -> members(viewer).equals(List.of("alice=laptop")));
        assertEquals(List.of("enter:alice", "update:alice"), actions(seen));

        // a subscriber attaching now gets the person once in its SYNC
        Channel late = byClient(broker.realtime(BrokerFixture.ALL, "lena", binary), "room");
        assertEquals(List.of("alice=laptop"), members(late));

        // the laptop leaves: alice stays, with the phone's data
        assertNull(outcome(laptop.presence::leave));
        await().atMost(WAIT).until(() -> members(standard).equals(List.of("alice=phone")));
        await().atMost(WAIT).until(() -> members(viewer).equals(List.of("alice=phone")));
        assertTrue(actions(seen).stream().noneMatch(a -> a.startsWith("leave")), actions(seen)::toString);

        // and the phone: now she is gone
        assertNull(outcome(phone.presence::leave));
        await().atMost(WAIT).until(() -> members(viewer).isEmpty());
        assertEquals(List.of("enter:alice", "update:alice", "update:alice", "leave:alice"), actions(seen));
        await().atMost(WAIT).until(() -> members(late).isEmpty());
    }

    @ParameterizedTest(name = "binary={0}")
    @ValueSource(booleans = {false, true})
    void thePersonLeavesWhenTheLastConnectionsGracePeriodEnds(boolean binary) throws Exception {
        Channel viewer = byClient(broker.realtime(BrokerFixture.ALL, "vera", binary), "room");
        List<PresenceMessage> seen = watch(viewer);
        Channel phone = attached(broker.realtime(BrokerFixture.ALL, "alice", binary), "room");
        RawWebSocket laptop = broker.raw(RawWebSocket.param("key", BrokerFixture.ALL) + "&clientId=alice");
        laptop.attach("room");
        assertNull(outcome(l -> phone.presence.enter("phone", l)));
        ArrayNode enter = RawWebSocket.JSON.createArrayNode().add(RawWebSocket.presenceItem(2, null, "laptop"));
        assertEquals(1, laptop.presence("room", enter).path("action").asInt());
        await().atMost(WAIT).until(() -> members(viewer).equals(List.of("alice=laptop")));

        laptop.abort(); // dropped: its member stays for the grace period
        await().atMost(WAIT).until(() -> broker.time.pending() == 1);
        assertNull(outcome(phone.presence::leave)); // ACKed: the broker has taken it
        broker.time.advance(Duration.ofMillis(14_000));
        assertEquals(List.of("alice=laptop"), members(viewer), "still present from the dropped laptop");
        assertEquals(List.of("enter:alice", "update:alice"), actions(seen));

        broker.time.advance(Duration.ofMillis(1_000));
        await().atMost(WAIT).until(() -> members(viewer).isEmpty());
        assertEquals(List.of("enter:alice", "update:alice", "leave:alice"), actions(seen));
    }
}
