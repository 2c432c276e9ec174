package dev.hubbub.server.ablyjs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.config.BrokerConfig;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code [meta]identity} stream with the real ably-js ({@code src/test/js/ablyjs-audit.js}), in
 * both wire formats: a watcher whose capability names the metachannel sees a masquerade by another
 * connection of its app as it happens, by rewind and in history; a key holding {@code *} may
 * neither attach to it nor publish to it.
 */
class AuditAblyJsTest extends OneBrokerAblyJsTest {
    private static final String KEY = "appQ.k1:secret-appQ-k1";
    private static final String WATCH = "appQ.watch:secret-appQ-watch";

    AuditAblyJsTest() { super("ablyjs-audit.js", KEY); }

    @Override
    protected BrokerConfig config() {
        return new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey("appQ.k1", "secret-appQ-k1", Capability.ALL),
                new ApiKey("appQ.watch", "secret-appQ-watch",
                        Capability.parse("{\"[meta]identity\":[\"subscribe\",\"history\"]}").value())),
                Limits.defaults(), 8L * 1024 * 1024, 2);
    }

    @Override
    protected List<String> extraArgs() { return List.of("--watch", WATCH); }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void aWatcherSeesAMasqueradeLiveByRewindAndInHistory(String format) {
        JsonNode f = node.facts(format, "masquerade");
        assertEquals(40012, f.at("/publish/error/code").asInt(), f.toString());
        JsonNode d = f.at("/received/data");
        assertTrue(d.isObject(), "data arrives as a JSON object: " + f);
        assertEquals("appQ.k1", d.path("keyName").asText(), f.toString());
        assertEquals("alice", d.path("clientId").asText(), f.toString());
        assertEquals("mallory-" + format, d.path("claimedClientId").asText(), f.toString());
        assertEquals(40012, d.path("code").asInt(), f.toString());
        assertTrue(d.path("channel").asText().startsWith("ablyjs-room-"), f.toString());
        assertFalse(d.path("connectionId").asText().isEmpty(), f.toString());
        assertEquals("127.0.0.1", d.path("remoteAddress").asText().replaceFirst(":\\d+$", "").replace("/", ""), f.toString());
        assertTrue(f.at("/received/clientId").isNull(), "written by the broker, as nobody: " + f);
        assertEquals(1, f.path("rewound").size(), f.toString());
        assertEquals(1, f.path("history").size(), f.toString());
        assertEquals(d, f.at("/history/0/data"), f.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void aKeyHoldingStarMayNotAttachNorPublish(String format) {
        JsonNode f = node.facts(format, "refused");
        assertEquals(40160, f.at("/attach/error/code").asInt(), f.toString());
        assertEquals(40160, f.at("/publish/error/code").asInt(), f.toString());
    }
}
