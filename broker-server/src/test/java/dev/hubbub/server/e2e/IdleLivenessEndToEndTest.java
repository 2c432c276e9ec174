package dev.hubbub.server.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.AblyJavaClients;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.realtime.ConnectionStateListener.ConnectionStateChange;
import io.ably.lib.types.ClientOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * ably-java says it sees WebSocket pings ({@code heartbeats=false}), so the broker keeps its idle
 * connections alive with a ping a round and no HEARTBEAT. The SDK drops a transport that receives
 * nothing for maxIdleInterval plus its realtimeRequestTimeout (here 1 + 1 s) and reconnects: a
 * client in each format, idle for six seconds (three rounds and more), must stay on its first
 * transport.
 */
class IdleLivenessEndToEndTest {
    private static final String KEY = "app1.full:secret-full";
    private static final long IDLE_MS = 1_000;
    private final AblyJavaClients sdk = new AblyJavaClients();
    private BrokerApp app;

    @AfterEach
    void close() throws Exception {
        sdk.close();
        if (app != null) {
            app.close();
        }
    }

    @Test
    void sdkClientsIdleForSeveralIntervalsStayOnTheirFirstTransport() throws Exception {
        Limits d = Limits.defaults();
        Limits limits = new Limits(d.maxMessageSize(), d.maxFrameSize(), d.maxInboundRate(), IDLE_MS,
                d.connectionStateTtl(), d.maxChannelsPerConnection(), d.serverId());
        app = new BrokerApp(new BrokerConfig("127.0.0.1", 0,
                List.of(new ApiKey("app1.full", "secret-full", Capability.ALL)), limits, 8L * 1024 * 1024, 2),
                Clock.systemUTC(), new SimpleMeterRegistry());
        int port = app.start().getPort();

        List<AblyRealtime> clients = new ArrayList<>();
        List<ConnectionStateChange> changes = new CopyOnWriteArrayList<>();
        for (boolean binary : new boolean[] {false, true}) {
            AblyRealtime r = sdk.connected(options(port, binary), Duration.ofSeconds(10));
            clients.add(r);
            r.connection.on(changes::add);
        }
        List<String> ids = clients.stream().map(c -> c.connection.id).toList();

        await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8))
                .until(() -> changes.isEmpty() && clients.stream().allMatch(c -> c.connection.state == ConnectionState.connected));
        assertEquals(ids, clients.stream().map(c -> c.connection.id).toList(), "the same connections");
        assertTrue(changes.isEmpty(), changes::toString);
    }

    private static ClientOptions options(int port, boolean binary) {
        ClientOptions o = AblyJavaClients.options(port, binary);
        o.key = KEY;
        o.clientId = "idle-" + binary;
        o.realtimeRequestTimeout = 1_000;
        return o;
    }
}
