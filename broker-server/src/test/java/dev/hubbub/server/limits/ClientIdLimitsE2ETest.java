package dev.hubbub.server.limits;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.limits.ClientIdLimits;
import dev.hubbub.core.limits.ClientIdLimits.OnConnectionLimit;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.AblyJavaClients;
import dev.hubbub.server.AblyJavaOps;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Limits per person with the official ably-java SDK: the connection over the limit goes FAILED
 * with 40111 (refuse), or the oldest goes FAILED with 40150 and the new one stays CONNECTED
 * (closeOldest); neither reconnects into the limit. A publish over the rate per clientId fails 42910.
 */
class ClientIdLimitsE2ETest {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final String REFUSE_KEY = "appR.k:secret-r";
    private static final String CLOSE_KEY = "appC.k:secret-c";
    private static BrokerApp app;
    private static int port;
    private final List<AblyRealtime> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey("appR.k", "secret-r", Capability.ALL),
                new ApiKey("appC.k", "secret-c", Capability.ALL)), Limits.defaults(), 8L * 1024 * 1024, 2)
                .withClientIdLimits(new ClientIdLimits(Map.of(
                        "appR", new ClientIdLimits.App(1, OnConnectionLimit.REFUSE, 3),
                        "appC", new ClientIdLimits.App(1, OnConnectionLimit.CLOSE_OLDEST, 0))));
        app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry());
        port = app.start().getPort();
    }

    @AfterAll
    static void stop() { app.close(); }

    @AfterEach
    void closeClients() {
        clients.forEach(AblyRealtime::close);
    }

    private AblyRealtime realtime(String key, String clientId) throws AblyException {
        ClientOptions o = AblyJavaClients.options(port, false);
        o.key = key;
        o.clientId = clientId;
        AblyRealtime r = new AblyRealtime(o);
        clients.add(r);
        return r;
    }

    private static void awaitState(AblyRealtime r, ConnectionState state) {
        await().atMost(TIMEOUT).until(() -> r.connection.state == state);
    }

    @Test
    void refuseFailsTheSecondConnectionOfAClientIdWith40111() throws Exception {
        AblyRealtime first = realtime(REFUSE_KEY, "alice");
        awaitState(first, ConnectionState.connected);
        AblyRealtime second = realtime(REFUSE_KEY, "alice");
        awaitState(second, ConnectionState.failed);
        ErrorInfo reason = second.connection.reason;
        assertNotNull(reason);
        assertEquals(40111, reason.code);
        assertTrue(reason.message.contains("maxConnectionsPerClientId 1"), reason.message);
        assertEquals(ConnectionState.connected, first.connection.state);
        AblyRealtime bob = realtime(REFUSE_KEY, "bob");
        awaitState(bob, ConnectionState.connected);

        first.close();
        awaitState(first, ConnectionState.closed);
        AblyRealtime again = realtime(REFUSE_KEY, "alice");
        awaitState(again, ConnectionState.connected); // the slot was released
    }

    @Test
    void closeOldestFailsTheFirstWith40150AndKeepsTheSecond() throws Exception {
        AblyRealtime first = realtime(CLOSE_KEY, "carol");
        awaitState(first, ConnectionState.connected);
        AblyRealtime second = realtime(CLOSE_KEY, "carol");
        awaitState(second, ConnectionState.connected);
        awaitState(first, ConnectionState.failed);
        assertEquals(40150, first.connection.reason.code);
        assertTrue(first.connection.reason.message.contains("closeOldest"), first.connection.reason.message);
        // it does not come back to push the second one out
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> second.connection.state == ConnectionState.connected && first.connection.state == ConnectionState.failed);
    }

    @Test
    void aPublishOverTheRateOfAClientIdFailsWith42910() throws Exception {
        AblyRealtime dave = realtime(REFUSE_KEY, "dave");
        awaitState(dave, ConnectionState.connected);
        Channel ch = dave.channels.get("rate");
        List<java.util.concurrent.CompletableFuture<ErrorInfo>> outcomes = new ArrayList<>();
        for (int i = 0; i < 10; i++) { // at once: 3 per second lets 3 or 4 of them through
            int n = i;
            outcomes.add(AblyJavaOps.completion(l -> ch.publish("m", "x" + n, l)));
        }
        await().atMost(TIMEOUT).until(() -> outcomes.stream().allMatch(java.util.concurrent.CompletableFuture::isDone));
        List<ErrorInfo> refused = outcomes.stream().map(java.util.concurrent.CompletableFuture::join)
                .filter(java.util.Objects::nonNull).toList();
        assertTrue(refused.size() >= 5, "most of 10 at once are refused: " + refused.size());
        assertTrue(refused.stream().allMatch(e -> e.code == 42910), () -> refused.get(0).code + " " + refused.get(0).message);
        assertEquals(ConnectionState.connected, dave.connection.state, "a NACK only: the connection stays");
    }
}
