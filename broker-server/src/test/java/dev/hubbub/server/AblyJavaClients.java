package dev.hubbub.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.util.Log;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * The ably-java clients of one end-to-end test: options that point the SDK at a local broker
 * without TLS or fallback hosts, clients that are closed when the test ends ({@link #close}, from an
 * {@code @AfterEach}), and the wait for a connection to settle.
 */
public final class AblyJavaClients implements AutoCloseable {
    private final List<AutoCloseable> open = new ArrayList<>();

    /** Options for a broker on 127.0.0.1:{@code port}, plain ws:// and http://, no fallback hosts, SDK logs off. */
    public static ClientOptions options(int port, boolean binary) {
        ClientOptions o = new ClientOptions();
        o.realtimeHost = "127.0.0.1";
        o.restHost = "127.0.0.1";
        o.port = port;
        o.tls = false;
        o.environment = null;
        o.fallbackHosts = new String[0];
        o.useBinaryProtocol = binary;
        o.logLevel = Log.NONE;
        return o;
    }

    /** A bounded wait that polls every 20 ms, starting at once. */
    public static ConditionFactory waiting(Duration atMost) {
        return Awaitility.await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20));
    }

    /** Closed with the others when the test ends. */
    public <T extends AutoCloseable> T add(T client) {
        open.add(client);
        return client;
    }

    /** A realtime client, connecting; closed when the test ends. */
    public AblyRealtime realtime(ClientOptions o) throws AblyException {
        AblyRealtime r = new AblyRealtime(o);
        open.add(r::close);
        return r;
    }

    /** A realtime client once it is CONNECTED; fails the test (with the reason) if it goes FAILED or times out. */
    public AblyRealtime connected(ClientOptions o, Duration atMost) throws AblyException {
        AblyRealtime r = realtime(o);
        waiting(atMost).alias("connected").until(() -> r.connection.state == ConnectionState.connected
                || r.connection.state == ConnectionState.failed);
        assertEquals(ConnectionState.connected, r.connection.state, () -> "reason: " + r.connection.reason);
        return r;
    }

    /** Closes every client given, carrying on past any that fails to close (a fixture's teardown). */
    public static void closeQuietly(Iterable<AblyRealtime> realtimes, Iterable<AblyRest> rests) {
        for (AblyRealtime a : realtimes) {
            try {
                a.close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        for (AblyRest r : rests) {
            try {
                r.close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        open.clear();
    }
}
