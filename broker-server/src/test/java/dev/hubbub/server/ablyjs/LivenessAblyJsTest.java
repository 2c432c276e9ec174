package dev.hubbub.server.ablyjs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.config.BrokerConfig;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Idle connections with the real ably-js ({@code src/test/js/ablyjs-liveness.js}) in both wire
 * formats. On Node it says it sees WebSocket pings ({@code heartbeats=false}), so the broker keeps
 * its idle connection alive with a ping a round and no HEARTBEAT; with maxIdleInterval 1 s and a
 * 1 s realtimeRequestTimeout, a client that got nothing for 2 s would drop its transport and
 * reconnect. Idle for 6 s, it must stay on its first one.
 */
class LivenessAblyJsTest extends OneBrokerAblyJsTest {
    private static final String KEY = "appL.k1:secret-appL-k1";
    private static final long IDLE_MS = 1_000;

    LivenessAblyJsTest() { super("ablyjs-liveness.js", KEY); }

    @Override
    protected BrokerConfig config() {
        BrokerConfig one = AblyJsScript.oneKeyBroker(KEY);
        Limits d = one.limits();
        return new BrokerConfig(one.host(), one.port(), one.keys(), new Limits(d.maxMessageSize(), d.maxFrameSize(),
                d.maxInboundRate(), IDLE_MS, d.connectionStateTtl(), d.maxChannelsPerConnection(), d.serverId()),
                one.maxBacklogBytes(), one.ioThreads());
    }

    @Override
    protected List<String> extraArgs() { return List.of("--idle-ms", Long.toString(IDLE_MS)); }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void anIdleClientStaysOnItsFirstTransport(String format) {
        JsonNode f = node.facts(format, "idleClientStaysOnItsTransport");
        assertEquals(0, f.path("changes").size(), "no state change while idle: " + f);
        assertEquals("connected", f.path("state").asText(), f.toString());
        assertEquals(f.path("idBefore").asText(), f.path("idAfter").asText(), f.toString());
    }
}
