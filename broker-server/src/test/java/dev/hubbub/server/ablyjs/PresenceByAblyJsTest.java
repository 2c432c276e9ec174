package dev.hubbub.server.ablyjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Presence per person with the real ably-js ({@code src/test/js/ablyjs-presenceby.js}), in both
 * wire formats: {@code channels.get(name, { params: { presenceBy: 'clientId' } })} lists a person
 * present from two connections once, with the latest data, while a standard subscriber on the same
 * channel lists both connections; an unknown value fails the attach with 40003.
 */
class PresenceByAblyJsTest extends OneBrokerAblyJsTest {
    private static final String KEY = "appB.k1:secret-appB-k1";

    PresenceByAblyJsTest() { super("ablyjs-presenceby.js", KEY); }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void aPersonOnTwoConnectionsIsOneMember(String format) {
        JsonNode f = node.facts(format, "aPersonOnTwoConnections");
        assertEquals("clientId", f.at("/viewerParams/presenceBy").asText(), "the echoed param is channel.params: " + f);
        assertTrue(f.at("/enterPhone/resolved").asBoolean() && f.at("/enterLaptop/resolved").asBoolean(), f.toString());
        assertEquals(List.of("alice=laptop", "alice=phone"), AblyJsScript.texts(f.path("standardBoth")), f.toString());
        assertEquals(List.of("alice=laptop"), AblyJsScript.texts(f.path("viewerBoth")), f.toString());
        assertEquals(List.of("alice=laptop"), AblyJsScript.texts(f.path("lateBoth")), "the SYNC lists her once: " + f);
        assertEquals(List.of("alice=phone"), AblyJsScript.texts(f.path("viewerPhoneOnly")), f.toString());
        assertFalse(AblyJsScript.field(f.path("eventsAfterLaptopLeft"), "action").contains("leave"),
                "no leave while the phone holds her: " + f);
        assertEquals(List.of("enter", "update", "update", "leave"), AblyJsScript.field(f.path("events"), "action"), f.toString());
        assertEquals(List.of("phone", "laptop", "phone", "phone"), AblyJsScript.field(f.path("events"), "data"), f.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void aPresentClientWatchesPerPersonUnderAQualifiedName(String format) {
        JsonNode f = node.facts(format, "presentAndWatchingPerPerson");
        assertEquals("clientId", f.at("/qualifiedParams/presenceBy").asText(), f.toString());
        assertTrue(f.at("/enterPlain/resolved").asBoolean() && f.at("/enterPhone/resolved").asBoolean(), f.toString());
        assertEquals(List.of("alice=desk", "alice=phone"), AblyJsScript.texts(f.path("plainMembers")), f.toString());
        assertEquals(List.of("alice=phone"), AblyJsScript.texts(f.path("perPersonMembers")), f.toString());
        assertTrue(f.at("/enterByClient/resolved").asBoolean(), f.toString());
        assertEquals(List.of("alice=phone", "bob=hi"), AblyJsScript.texts(f.path("bobSees")), f.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void anUnknownValueFailsTheAttach(String format) {
        JsonNode f = node.facts(format, "anUnknownValue");
        assertFalse(f.at("/attach/resolved").asBoolean(), f.toString());
        assertEquals(40003, f.at("/attach/error/code").asInt(), f.toString());
        assertTrue(f.at("/attach/error/message").asText().contains("presenceBy"), f.toString());
        assertEquals("failed", f.path("state").asText(), f.toString());
    }
}
