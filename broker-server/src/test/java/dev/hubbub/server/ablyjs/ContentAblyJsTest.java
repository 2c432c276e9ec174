package dev.hubbub.server.ablyjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Content the broker must not relay, with the real ably-js ({@code src/test/js/ablyjs-content.js}) in
 * both wire formats: a message claiming a server-side transform (a vcdiff encoding step, extras.delta)
 * is refused 40013, realtime (NACK) and REST (HTTP 400) alike, and an attached subscriber's channel
 * stays attached (no FAILED 40019, no re-attach) and receives the next valid message.
 */
class ContentAblyJsTest extends OneBrokerAblyJsTest {
    private static final String KEY = "appC.k1:secret-appC-k1";

    ContentAblyJsTest() { super("ablyjs-content.js", KEY); }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void serverSideTransformsAreRefusedAndTheSubscriberStaysAttached(String format) {
        JsonNode f = node.facts(format, "serverSideTransformsAreRefused");
        for (String realtime : List.of("realtimeVcdiff", "realtimeDelta")) {
            assertFalse(f.at("/" + realtime + "/resolved").asBoolean(), f.toString());
            assertEquals(40013, f.at("/" + realtime + "/error/code").asInt(), f.toString());
        }
        for (String rest : List.of("restVcdiff", "restDelta")) {
            assertEquals(400, f.at("/" + rest + "/status").asInt(), f.toString());
            assertEquals(40013, f.at("/" + rest + "/code").asInt(), f.toString());
        }
        assertEquals(List.of("valid"), AblyJsScript.texts(f.path("received")), f.toString());
        assertEquals(0, f.path("changes").size(), "the subscriber's channel never left attached: " + f);
        assertEquals("attached", f.path("state").asText(), f.toString());
    }
}
