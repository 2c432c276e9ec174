package dev.hubbub.server.ablyjs;

import static dev.hubbub.server.ablyjs.AblyJsScript.field;
import static dev.hubbub.server.ablyjs.AblyJsScript.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end with the real, unmodified ably-js (npm {@code ably}, pinned in src/test/js/package-lock.json
 * and installed by {@code npm ci} in the build) against an in-process broker, in both wire formats.
 *
 * <p>ably-js checks almost nothing locally (sdk-wire-notes §5): a publish or {@code enterClient} with a
 * foreign clientId goes to the wire, so every rejection asserted here is the broker's. The scenarios
 * live in {@code src/test/js/ablyjs-scenarios.js}; one node process per format runs all of them
 * side by side and prints one JSON line of observed facts per scenario. The assertions are here.
 *
 * <p>"Never delivered" is checked with a marker: after the rejected operation the same connection
 * publishes a marker, and the observer, which receives that connection's messages in order, must see
 * the marker and nothing before it.
 */
class AblyJsEndToEndTest {
    private static final String KEY_A = "appA.k1:secret-appA-k1";
    private static final String KEY_B = "appB.k1:secret-appB-k1";
    private static final String[] FORMATS = {"msgpack", "json"};
    private static final long NODE_TIMEOUT_SECONDS = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static BrokerApp app;
    /** the script's runs, one per format, and what they printed */
    private static AblyJsScript node;

    @BeforeAll
    static void runAblyJs() throws Exception {
        node = new AblyJsScript("ablyjs-scenarios.js", NODE_TIMEOUT_SECONDS);
        List<ApiKey> keys = List.of(
                new ApiKey("appA.k1", "secret-appA-k1", Capability.ALL),
                new ApiKey("appB.k1", "secret-appB-k1", Capability.ALL));
        app = new BrokerApp(new BrokerConfig("127.0.0.1", 0, keys, Limits.defaults(), 8L * 1024 * 1024, 2));
        int port = app.start().getPort();

        // both formats at once: each is its own node process with its own clients and channel names
        for (String format : FORMATS) {
            node.start(format, List.of("--port", Integer.toString(port), "--keyA", KEY_A, "--keyB", KEY_B), null);
        }
        node.finishAll();
    }

    @AfterAll
    static void stopBroker() {
        if (app != null) {
            app.close();
        }
    }

    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void nodeRunCompleted(String format) {
        node.assertCompleted(format);
    }

    /** 1. key + clientId 'alice': messages carry alice, id connId:msgSerial:index, and data round-trips. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void identifiedClientPublishes(String format) throws Exception {
        JsonNode f = facts(format, "identifiedPublish");
        assertEquals(List.of(format, format), texts(f.get("wireFormats")), "the SDK used the wrong wire format: " + f);
        assertEquals("alice", f.get("aliceAuthClientId").asText(), f.toString());
        String connId = f.get("aliceConnectionId").asText();
        JsonNode received = f.get("received");
        assertEquals(List.of("object", "binary"), field(received, "name"), f.toString());

        JsonNode object = received.get(0);
        assertEquals("alice", object.path("clientId").asText(null), object.toString());
        assertEquals(connId, object.path("connectionId").asText(null), object.toString());
        assertEquals(connId + ":0:0", object.path("id").asText(null), object.toString());
        assertEquals("object", object.at("/data/kind").asText(), object.toString());
        assertEquals(JSON.readTree("{\"hello\":\"world\",\"n\":42,\"list\":[1,\"two\",null],\"nested\":{\"ok\":true}}"),
                JSON.readTree(object.at("/data/json").asText()), object.toString());

        JsonNode binary = received.get(1);
        assertEquals("alice", binary.path("clientId").asText(null), binary.toString());
        assertEquals(connId, binary.path("connectionId").asText(null), binary.toString());
        assertEquals(connId + ":1:0", binary.path("id").asText(null), binary.toString());
        assertEquals("binary", binary.at("/data/kind").asText(), "binary data did not arrive as a Buffer: " + binary);
        assertEquals("0001027f80feff", binary.at("/data/hex").asText(), binary.toString());
    }

    /** 2. alice publishing as 'mallory': NACK 40012/400 and nothing delivered. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void masqueradingPublishIsRejected(String format) {
        JsonNode f = facts(format, "masqueradePublish");
        assertRejected(f.get("spoof"), 40012, 400, f);
        assertResolved(f.get("marker"), f);
        assertEquals(List.of("marker"), field(f.get("received"), "name"), "the spoofed message was delivered: " + f);
        assertEquals("alice", f.at("/received/0/clientId").asText(null), f.toString());
        assertEquals("connected", f.get("aliceState").asText(), f.toString());
    }

    /** 3. '*' as a message clientId: rejected 40012, from alice and from a key client that may otherwise name anyone. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void wildcardAsMessageClientIdIsRejected(String format) {
        JsonNode f = facts(format, "wildcardClaimPublish");
        assertRejected(f.get("star"), 40012, 400, f);
        assertResolved(f.get("marker"), f);
        assertRejected(f.get("keyStar"), 40012, 400, f);
        assertResolved(f.get("keyMarker"), f);
        assertEquals(List.of("marker", "key-marker"), field(f.get("received"), "name"), "a '*' message was delivered: " + f);
        assertEquals(List.of("alice", "kate"), field(f.get("received"), "clientId"), f.toString());
    }

    /** 4. authCallback with a key-signed TokenRequest for Bob; authorize() keeps the connection and identity. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void tokenRequestIdentifiesBob(String format) {
        JsonNode f = facts(format, "tokenIdentified");
        assertEquals("Bob", f.path("authClientId").asText(null), f.toString());
        assertResolved(f.get("plain"), f);
        assertRejected(f.get("claimAlice"), 40012, 400, f);
        assertResolved(f.get("marker1"), f);

        assertResolved(f.get("authorize"), f);
        for (JsonNode change : f.get("stateChangesDuringAuthorize")) {
            assertEquals("connected->connected", change.asText(), "the connection left CONNECTED on authorize(): " + f);
        }
        assertEquals("connected", f.get("stateAfterAuthorize").asText(), f.toString());
        assertEquals(f.get("connectionId").asText(), f.get("connectionIdAfterAuthorize").asText(), f.toString());
        assertEquals("Bob", f.path("authClientIdAfterAuthorize").asText(null), f.toString());
        assertEquals(2, f.get("authCallbackCalls").asInt(), "one token to connect, one for authorize(): " + f);
        assertResolved(f.get("afterAuthorize"), f);

        assertEquals(List.of("plain", "marker1", "after-authorize"), field(f.get("received"), "name"),
                "the message claiming Alice was delivered, or one is missing: " + f);
        assertEquals(List.of("Bob", "Bob", "Bob"), field(f.get("received"), "clientId"), f.toString());
    }

    /** 5. a token without clientId: anonymous; may publish without clientId, may not assume one. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void tokenWithoutClientIdIsAnonymous(String format) {
        JsonNode f = facts(format, "tokenAnonymous");
        assertTrue(f.get("authClientId").isNull(), "auth.clientId should be undefined: " + f);
        assertResolved(f.get("plain"), f);
        assertRejected(f.get("claimX"), 40012, 400, f);
        assertRejected(f.get("enterClientX"), 40012, 400, f);
        assertResolved(f.get("marker"), f);
        assertEquals(List.of("plain", "marker"), field(f.get("received"), "name"), "the claimed message was delivered: " + f);
        for (JsonNode m : f.get("received")) {
            assertTrue(m.get("clientId").isNull(), "an anonymous client's message carries a clientId: " + m);
        }
        assertEquals(List.of(), field(f.get("members"), "clientId"), "'x' entered presence: " + f);
    }

    /** 6. a key without clientId may name any clientId: publish as carol, enterClient as dave. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void keyWithoutClientIdIsWildcard(String format) {
        JsonNode f = facts(format, "keyWildcard");
        assertResolved(f.get("publishCarol"), f);
        assertEquals(List.of("as-carol"), field(f.get("received"), "name"), f.toString());
        assertEquals("carol", f.at("/received/0/clientId").asText(null), f.toString());
        assertResolved(f.get("enterDave"), f);
        assertEquals(List.of("dave"), field(f.get("members"), "clientId"), f.toString());
        assertEquals("dave-data", f.at("/members/0/data/value").asText(null), f.toString());
    }

    /** 7. presence on alice: enter works; enterClient('mallory') is refused by the broker (ably-js sends it). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void identifiedPresence(String format) {
        JsonNode f = facts(format, "presenceIdentified");
        assertResolved(f.get("enter"), f);
        assertEquals(List.of("alice"), field(f.get("membersAfterEnter"), "clientId"), f.toString());
        assertEquals("hi", f.at("/membersAfterEnter/0/data/value").asText(null), f.toString());

        assertRejected(f.get("enterMallory"), 40012, 400, f);
        assertResolved(f.get("update"), f);
        assertFalse(field(f.get("events"), "clientId").contains("mallory"), "a presence event for mallory was seen: " + f);
        assertEquals(List.of("alice"), field(f.get("membersAtEnd"), "clientId"), "mallory is a member: " + f);
        assertEquals("after", f.at("/membersAtEnd/0/data/value").asText(null), f.toString());
        assertEquals("connected", f.get("aliceState").asText(), f.toString());
    }

    /** 8. the wrong secret: FAILED with 40101. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void wrongSecretFails(String format) {
        JsonNode f = facts(format, "wrongSecret");
        assertTrue(f.get("failed").asBoolean(), "the connection did not fail: " + f);
        assertEquals("failed", f.get("state").asText(), f.toString());
        assertFalse(texts(f.get("states")).contains("connected"), "it was CONNECTED at some point: " + f);
        assertEquals(40101, f.at("/reason/code").asInt(), f.toString());
        assertEquals(401, f.at("/reason/statusCode").asInt(), f.toString());
    }

    /** 9. appA and appB on the same channel name see nothing of each other, messages or presence. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void appsAreIsolated(String format) {
        JsonNode f = facts(format, "appIsolation");
        assertResolved(f.get("publishA"), f);
        assertResolved(f.get("enterA"), f);
        assertResolved(f.get("publishB"), f);
        assertResolved(f.get("enterB"), f);
        assertEquals(List.of("from-a"), field(f.get("receivedA"), "name"), "appA's subscriber: " + f);
        assertEquals(List.of("marker-b"), field(f.get("receivedB"), "name"), "appB's subscriber saw appA's message: " + f);
        assertEquals(List.of("b-user"), field(f.get("membersB"), "clientId"), "appB's presence: " + f);
        assertEquals(List.of("a-user"), field(f.get("membersA"), "clientId"), "appA's presence: " + f);
    }

    // ------------------------------------------------------------------------------------------

    /** The facts of a scenario that ran to its end; fails with everything the script said otherwise. */
    private static JsonNode facts(String format, String scenario) { return node.facts(format, scenario); }

    private static void assertRejected(JsonNode outcome, int code, int statusCode, JsonNode facts) {
        assertNotNull(outcome, facts.toString());
        assertFalse(outcome.path("resolved").asBoolean(), "the broker accepted it: " + facts);
        assertEquals(code, outcome.at("/error/code").asInt(), facts.toString());
        assertEquals(statusCode, outcome.at("/error/statusCode").asInt(), facts.toString());
    }

    private static void assertResolved(JsonNode outcome, JsonNode facts) {
        assertNotNull(outcome, facts.toString());
        assertTrue(outcome.path("resolved").asBoolean(), "rejected: " + outcome + " in " + facts);
    }
}
