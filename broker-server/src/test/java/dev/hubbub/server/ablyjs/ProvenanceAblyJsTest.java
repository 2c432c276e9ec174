package dev.hubbub.server.ablyjs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.identity.Provenance;
import dev.hubbub.server.config.BrokerConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Provenance with the real ably-js ({@code src/test/js/ablyjs-provenance.js}), in both wire formats,
 * provenance on for the app's {@code audit:*} channels: ably-js subscribers read the headers on
 * messages (bound by key or token, asserted by a key naming a clientId, the client's own headers
 * kept beside them) and on presence events and members; history keeps them.
 */
class ProvenanceAblyJsTest extends OneBrokerAblyJsTest {
    private static final String APP = "appV";
    private static final String KEY_NAME = APP + ".k1";
    private static final String KEY = KEY_NAME + ":secret-appV-k1";

    ProvenanceAblyJsTest() { super("ablyjs-provenance.js", KEY); }

    @Override
    protected BrokerConfig config() {
        return AblyJsScript.oneKeyBroker(KEY).withProvenance(new Provenance(Set.of(), Map.of(APP, List.of("ablyjs-audit:*"))));
    }

    private static void assertProvenance(String how, String credential, JsonNode headers) {
        assertEquals(how, headers.path(Provenance.CLIENT_ID_HEADER).asText(), headers::toString);
        assertEquals(credential, headers.path(Provenance.CREDENTIAL_HEADER).asText(), headers::toString);
        assertEquals(KEY_NAME, headers.path(Provenance.KEY_HEADER).asText(), headers::toString);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void subscribersAndHistoryReadEachMessagesProvenance(String format) {
        JsonNode f = node.facts(format, "messages");
        JsonNode received = f.path("received");
        assertEquals(List.of("alice", "bob", "dan"), AblyJsScript.field(received, "clientId"), f.toString());
        assertProvenance("bound", "key", received.get(0).path("headers"));
        assertProvenance("bound", "token", received.get(1).path("headers"));
        assertProvenance("asserted", "key", received.get(2).path("headers"));
        assertEquals("t1", received.get(2).at("/headers/trace").asText(), "the client's own header is kept: " + f);

        JsonNode history = f.path("history");
        assertEquals(List.of("byKey", "byToken", "keyNaming"), AblyJsScript.field(history, "name"), f.toString());
        assertProvenance("bound", "key", history.get(0).path("headers"));
        assertProvenance("asserted", "key", history.get(2).path("headers"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void presenceEventsAndMembersCarryTheirProvenance(String format) {
        JsonNode f = node.facts(format, "presence");
        JsonNode events = f.path("events");
        assertEquals(List.of("enter", "leave"), AblyJsScript.field(events, "action"), f.toString());
        assertProvenance("asserted", "key", events.get(0).path("headers"));
        assertProvenance("asserted", "key", events.get(1).path("headers"));
        assertEquals("here", events.get(1).path("data").asText(), "a bare leave repeats the member's data: " + f);
        assertEquals(List.of("bob"), AblyJsScript.field(f.path("members"), "clientId"), f.toString());
        assertProvenance("asserted", "key", f.path("members").get(0).path("headers"));
    }
}
