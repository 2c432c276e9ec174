package dev.hubbub.server.ablyjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Wildcard tokens limited to {@code support:*} with the real ably-js ({@code src/test/js/ablyjs-pattern.js}),
 * in both wire formats: the token comes from requestToken with Basic auth and the
 * {@code x-hubbub-clientId-pattern} TokenParams field; ably-js sees a wildcard token
 * ({@code auth.clientId} {@code *}); a publish or presence enter as {@code support:ann} is
 * accepted, as {@code alice} refused 40012 with the connection and channel left up; naming
 * oneself {@code alice} at connect fails the connection with 40102.
 */
class PatternTokenAblyJsTest extends OneBrokerAblyJsTest {
    private static final String KEY = "appP.k1:secret-appP-k1";

    PatternTokenAblyJsTest() { super("ablyjs-pattern.js", KEY); }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void publishingInsideThePatternIsDeliveredOutsideIsRefused40012(String format) {
        JsonNode f = node.facts(format, "publishInsideAndOutsideThePattern");
        assertEquals("*", f.path("backendClientId").asText(), "an ordinary wildcard token to ably-js: " + f);
        assertTrue(f.at("/inside/resolved").asBoolean(), f.toString());
        assertFalse(f.at("/outside/resolved").asBoolean(), "publishing as alice must be refused: " + f);
        assertEquals(40012, f.at("/outside/error/code").asInt(), f.toString());
        assertTrue(f.at("/outside/error/message").asText().contains("support:*"), "the error names the pattern: " + f);
        assertTrue(f.at("/after/resolved").asBoolean(), "the channel stays usable: " + f);
        assertEquals(List.of("inside", "after"), AblyJsScript.field(f.path("received"), "name"), f.toString());
        assertEquals(List.of("support:ann", "support:bo"), AblyJsScript.field(f.path("received"), "clientId"), f.toString());
        assertEquals("connected", f.path("connectionState").asText());
        assertEquals("attached", f.path("channelState").asText());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void enteringPresenceOutsideThePatternIsRefused40012(String format) {
        JsonNode f = node.facts(format, "presenceInsideAndOutsideThePattern");
        assertTrue(f.at("/inside/resolved").asBoolean(), f.toString());
        assertFalse(f.at("/outside/resolved").asBoolean(), "entering as alice must be refused: " + f);
        assertEquals(40012, f.at("/outside/error/code").asInt(), f.toString());
        assertEquals(List.of("support:ann"), AblyJsScript.texts(f.path("members")), f.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void connectingAsAClientIdOutsideThePatternFails40102(String format) {
        JsonNode f = node.facts(format, "connectAsAClientIdOutsideThePattern");
        assertEquals("failed", f.path("state").asText(), f.toString());
        assertEquals(40102, f.at("/reason/code").asInt(), f.toString());
        assertFalse(AblyJsScript.field(f.path("states"), "current").contains("connected"), f.toString());
    }
}
