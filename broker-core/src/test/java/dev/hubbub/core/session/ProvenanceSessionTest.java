package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.identity.Provenance;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Provenance through real sessions, on for {@code audit:*} channels of app1: what a subscriber is
 * delivered and what history keeps for each way a clientId is established, presence events, SYNC
 * and leaves keeping the member's headers, channels without provenance untouched, and the
 * broker's headers refused from clients on every channel.
 */
class ProvenanceSessionTest {
    private static final String KEY = "app1.main:main-secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final ApiKey key = new ApiKey("app1.main", "main-secret", Capability.ALL);
    private final TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(key)), clock);
    private final TestCore core = TestCore.builder().key(key).tokens(authority).clock(clock)
            .timers((task, delay) -> () -> { })
            .provenance(new Provenance(Set.of(), Map.of("app1", List.of("audit:*"))))
            .build();

    private TestClient withToken(String clientId) {
        RecordingTransport out = new RecordingTransport();
        String token = authority.issue(key, TokenParams.forClientId(clientId)).value().token();
        return new TestClient(core.connector.connect(new ConnectRequest(null, token, null, "json", "6", true, null, null, "t"), out), out);
    }

    private static ProtocolMessage publish(String channel, long serial, String clientId, JsonNode extras) {
        return new ProtocolMessage(Action.MESSAGE, null, channel, null, null, null, null, null, null, serial,
                List.of(new Message(null, clientId, null, null, "n", "d", null, extras, null, null, null)), null, null, null, null,
                null);
    }

    private static ProtocolMessage presence(String channel, long serial, PresenceAction action, String clientId, String data) {
        return new ProtocolMessage(Action.PRESENCE, null, channel, null, null, null, null, null, null, serial, null,
                List.of(new PresenceMessage(null, action, clientId, null, data, null, null, null)), null, null, null, null);
    }

    private static List<Message> delivered(TestClient c) {
        return c.out().frames(Action.MESSAGE).stream().flatMap(m -> m.messages().stream()).toList();
    }

    private static String header(JsonNode extras, String name) {
        JsonNode v = extras == null ? null : extras.at("/headers/" + name);
        return v == null || v.isMissingNode() ? null : v.asText();
    }

    private static void assertProvenance(String how, String credential, JsonNode extras) {
        assertEquals(how, header(extras, Provenance.CLIENT_ID_HEADER), () -> String.valueOf(extras));
        assertEquals(credential, header(extras, Provenance.CREDENTIAL_HEADER), () -> String.valueOf(extras));
        assertEquals("app1.main", header(extras, Provenance.KEY_HEADER), () -> String.valueOf(extras));
    }

    @Test
    void eachWayAClientIdIsEstablishedIsToldToSubscribersAndKeptInHistory() {
        TestClient watcher = core.connect(KEY, null, null, null);
        watcher.send(Frames.attach("audit:log", null));
        core.connect(KEY, "alice", null, null).send(publish("audit:log", 0, null, null));     // key + clientId: bound
        core.connect(KEY, null, null, null).send(publish("audit:log", 0, "bob", null));       // key naming bob: asserted
        withToken("carol").send(publish("audit:log", 0, null, null));                          // token for carol: bound
        withToken("*").send(publish("audit:log", 0, "dan", null));                             // * token naming dan: asserted
        withToken(null).send(publish("audit:log", 0, null, null));                             // anonymous: none

        List<Message> got = delivered(watcher);
        assertEquals(java.util.Arrays.asList("alice", "bob", "carol", "dan", null), got.stream().map(Message::clientId).toList());
        assertProvenance("bound", "key", got.get(0).extras());
        assertProvenance("asserted", "key", got.get(1).extras());
        assertProvenance("bound", "token", got.get(2).extras());
        assertProvenance("asserted", "token", got.get(3).extras());
        assertProvenance("none", "token", got.get(4).extras());

        List<Message> history = core.log.latest(new ChannelKey("app1", "audit:log"), 10, 0);
        assertEquals(5, history.size());
        assertTrue(history.stream().allMatch(m -> header(m.extras(), Provenance.CLIENT_ID_HEADER) != null), history::toString);
    }

    @Test
    void aChannelWithoutProvenanceDeliversExtrasAsSent() throws Exception {
        TestClient watcher = core.connect(KEY, null, null, null);
        watcher.send(Frames.attach("chat", null));
        JsonNode extras = JSON.readTree("{\"headers\":{\"trace\":\"t1\"}}");
        core.connect(KEY, "alice", null, null).send(publish("chat", 0, null, extras));
        assertEquals(extras, delivered(watcher).get(0).extras());
    }

    @Test
    void aClientsOwnBrokerHeaderIsRefusedOnEveryChannel() throws Exception {
        TestClient watcher = core.connect(KEY, null, null, null);
        watcher.send(Frames.attach("chat", null));
        TestClient forger = core.connect(KEY, null, null, null);
        JsonNode forged = JSON.readTree("{\"headers\":{\"x-hubbub-clientId-provenance\":\"bound\"}}");
        for (String channel : List.of("chat", "audit:log")) {
            forger.out().clear();
            forger.send(publish(channel, 0, "alice", forged));
            assertEquals(40000, forger.out().only(Action.NACK).error().code(), channel);
        }
        assertTrue(delivered(watcher).isEmpty());
    }

    @Test
    void presenceEventsSyncAndLeavesCarryTheMembersProvenance() {
        TestClient watcher = core.connect(KEY, null, null, null);
        watcher.send(Frames.attach("audit:room", null));
        TestClient backend = core.connect(KEY, null, null, null);
        backend.send(Frames.attach("audit:room", null));
        backend.send(presence("audit:room", 0, PresenceAction.ENTER, "bob", "here"));

        PresenceMessage entered = watcher.out().frames(Action.PRESENCE).get(0).presence().get(0);
        assertEquals(PresenceAction.ENTER, entered.action());
        assertProvenance("asserted", "key", entered.extras());

        TestClient late = core.connect(KEY, null, null, null);
        late.send(Frames.attach("audit:room", null));
        PresenceMessage synced = late.out().frames(Action.SYNC).get(0).presence().get(0);
        assertEquals("bob", synced.clientId());
        assertProvenance("asserted", "key", synced.extras());

        backend.send(presence("audit:room", 1, PresenceAction.LEAVE, "bob", null));
        List<ProtocolMessage> events = watcher.out().frames(Action.PRESENCE);
        PresenceMessage left = events.get(events.size() - 1).presence().get(0);
        assertEquals(PresenceAction.LEAVE, left.action());
        assertEquals("here", left.data(), "a bare leave repeats the member's data");
        assertProvenance("asserted", "key", left.extras());
    }

    @Test
    void presenceWithoutProvenanceCarriesNoHeaders() {
        TestClient watcher = core.connect(KEY, null, null, null);
        watcher.send(Frames.attach("room", null));
        TestClient alice = core.connect(KEY, "alice", null, null);
        alice.send(Frames.attach("room", null));
        alice.send(presence("room", 0, PresenceAction.ENTER, null, "here"));
        assertNull(watcher.out().frames(Action.PRESENCE).get(0).presence().get(0).extras());
    }
}
