package dev.hubbub.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.server.ablyjs.AblyJsScript;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real, unmodified ably-js in node over TLS ({@code tls: true}, {@code tlsPort}), trusting the
 * test's CA through {@code NODE_EXTRA_CA_CERTS}, in both wire formats: realtime over wss:// and REST
 * over https:// with the API key, on a broker that refuses the key over plaintext; that refusal
 * (40103) on a plain broker, where a token still connects. Scenarios in src/test/js/ablyjs-tls.js.
 */
class AblyJsTlsTest {
    private static final long NODE_TIMEOUT_SECONDS = 45;
    private static TlsBrokers brokers;
    private static AblyJsScript node;

    @BeforeAll
    static void runAblyJs() throws Exception {
        node = new AblyJsScript("ablyjs-tls.js", NODE_TIMEOUT_SECONDS);
        brokers = new TlsBrokers();
        for (String format : new String[] {"msgpack", "json"}) {
            node.start(format, List.of("--tlsPort", Integer.toString(brokers.tlsPort()), "--plainPort",
                    Integer.toString(brokers.plainPort()), "--key", TlsBrokers.KEY, "--token", brokers.token("carol")), null,
                    Map.of("NODE_EXTRA_CA_CERTS", brokers.caPem.toString()));
        }
        node.finishAll();
    }

    @AfterAll
    static void stop() throws Exception {
        if (brokers != null) {
            brokers.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void nodeRunCompleted(String format) {
        node.assertCompleted(format);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void realtimeOverWssWithAKey(String format) {
        JsonNode f = node.facts(format, "realtimeOverWss");
        assertEquals(List.of("connected", "connected"), AblyJsScript.texts(f.get("states")), f.toString());
        assertEquals("over TLS", f.at("/received/data").asText(), f.toString());
        assertEquals("alice", f.at("/received/clientId").asText(), f.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void restOverHttpsWithAKey(String format) {
        JsonNode f = node.facts(format, "restOverHttps");
        assertTrue(Math.abs(f.get("time").asLong() - f.get("localTime").asLong()) < 60_000, f.toString());
        assertEquals(1, f.get("history").size(), f.toString());
        assertEquals("stored", f.at("/history/0/name").asText(), f.toString());
        assertEquals("kept for history", f.at("/history/0/data").asText(), f.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void aKeyOverPlaintextIsRefusedWith40103(String format) {
        JsonNode f = node.facts(format, "keyOverPlaintextRefused");
        assertEquals("failed", f.get("state").asText(), f.toString());
        assertEquals(40103, f.at("/reason/code").asInt(), f.toString());
        assertEquals(401, f.at("/reason/statusCode").asInt(), f.toString());
        assertEquals(false, f.at("/restPublish/resolved").asBoolean(), f.toString());
        assertEquals(40103, f.at("/restPublish/error/code").asInt(), f.toString());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void aTokenOverPlaintextStillConnects(String format) {
        JsonNode f = node.facts(format, "tokenOverPlaintextAccepted");
        assertEquals("connected", f.get("state").asText(), f.toString());
        assertEquals("carol", f.get("clientId").asText(), f.toString());
    }
}
