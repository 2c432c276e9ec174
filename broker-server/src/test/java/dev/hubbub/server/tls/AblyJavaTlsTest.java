package dev.hubbub.server.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import io.ably.lib.util.Log;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The unmodified ably-java SDK (1.2.54) over TLS with its defaults ({@code tls = true}), trusting a
 * CA made for the test: realtime over {@code wss://} and REST over {@code https://} with an API key
 * on a broker that refuses keys over plaintext, and that refusal (40103) on a plain broker, where
 * a token is still accepted. The JVM's default trust is changed for this class only.
 */
class AblyJavaTlsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static TlsBrokers brokers;
    private static TlsBrokers.Trust trust;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        brokers = new TlsBrokers();
        trust = brokers.trustInThisJvm();
    }

    @AfterAll
    static void stop() throws Exception {
        if (trust != null) {
            trust.close();
        }
        if (brokers != null) {
            brokers.close();
        }
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
    }

    private static ClientOptions options(boolean tls, int port, boolean binary) {
        ClientOptions o = new ClientOptions();
        o.realtimeHost = "127.0.0.1";
        o.restHost = "127.0.0.1";
        o.tls = tls;
        o.port = port;
        o.tlsPort = port;
        o.environment = null;
        o.fallbackHosts = new String[0];
        o.useBinaryProtocol = binary;
        o.logLevel = Log.NONE;
        return o;
    }

    private static ClientOptions withKey(ClientOptions o, String clientId) {
        o.key = TlsBrokers.KEY;
        o.clientId = clientId;
        return o;
    }

    private AblyRealtime realtime(ClientOptions o) throws AblyException {
        AblyRealtime r = new AblyRealtime(o);
        clients.add(r::close);
        return r;
    }

    private AblyRealtime connected(ClientOptions o) throws AblyException {
        AblyRealtime r = realtime(o);
        await().atMost(TIMEOUT).until(() -> r.connection.state == ConnectionState.connected
                || r.connection.state == ConnectionState.failed);
        assertEquals(ConnectionState.connected, r.connection.state, () -> String.valueOf(r.connection.reason));
        return r;
    }

    private static String channelName(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void realtimeOverWssWithAKey(boolean binary) throws Exception {
        String name = channelName("wss");
        AblyRealtime bob = connected(withKey(options(true, brokers.tlsPort(), binary), "bob"));
        List<Message> received = new CopyOnWriteArrayList<>();
        Channel channel = bob.channels.get(name);
        channel.subscribe(received::add);
        await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached);

        AblyRealtime alice = connected(withKey(options(true, brokers.tlsPort(), binary), "alice"));
        alice.channels.get(name).publish("greeting", "over TLS");
        await().atMost(TIMEOUT).until(() -> !received.isEmpty());
        assertEquals("over TLS", received.get(0).data);
        assertEquals("alice", received.get(0).clientId);
    }

    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void restOverHttpsWithAKey(boolean binary) throws Exception {
        AblyRest rest = new AblyRest(withKey(options(true, brokers.tlsPort(), binary), null));
        long time = rest.time();
        assertTrue(Math.abs(time - System.currentTimeMillis()) < 60_000, "server time " + time);

        String name = channelName("https");
        rest.channels.get(name).publish("stored", "kept for history");
        Message[] history = rest.channels.get(name).history(null).items();
        assertEquals(1, history.length);
        assertEquals("stored", history[0].name);
        assertEquals("kept for history", history[0].data);
    }

    @Test
    void plainWebSocketToTheTlsPortNeverConnects() throws Exception {
        AblyRealtime r = realtime(withKey(options(false, brokers.tlsPort(), false), null));
        await().atMost(TIMEOUT).until(() -> r.connection.state == ConnectionState.disconnected
                || r.connection.state == ConnectionState.failed || r.connection.state == ConnectionState.suspended);
        assertNull(r.connection.id, "never connected");
        assertNotNull(r.connection.reason, "the SDK reports why");
        assertEquals(0, brokers.tlsBroker.metrics().connections());
    }

    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void aKeyOverPlaintextRealtimeIsRefusedWith40103(boolean binary) throws Exception {
        AblyRealtime r = realtime(withKey(options(false, brokers.plainPort(), binary), "alice"));
        await().atMost(TIMEOUT).until(() -> r.connection.state == ConnectionState.failed);
        assertEquals(40103, r.connection.reason.code, r.connection.reason::toString);
        assertEquals(401, r.connection.reason.statusCode, r.connection.reason::toString);
        assertEquals(0, brokers.plainBroker.metrics().connections());
    }

    @Test
    void aKeyOverPlaintextRestIsRefusedWith40103() {
        AblyRest rest;
        try {
            rest = new AblyRest(withKey(options(false, brokers.plainPort(), false), null));
        } catch (AblyException e) {
            throw new AssertionError(e);
        }
        String name = channelName("plain-rest");
        AblyException e = assertThrows(AblyException.class, () -> rest.channels.get(name).publish("never", "stored"));
        assertEquals(40103, e.errorInfo.code, e.errorInfo::toString);
        assertEquals(401, e.errorInfo.statusCode, e.errorInfo::toString);
    }

    @Test
    void aTokenOverPlaintextIsStillAccepted() throws Exception {
        ClientOptions o = options(false, brokers.plainPort(), true);
        o.token = brokers.token("carol");
        AblyRealtime r = connected(o);
        assertEquals("carol", r.auth.clientId);
    }
}
