package dev.hubbub.server.drain;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.AblyJavaClients;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.DroppingProxy;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Graceful drain end to end with ably-java: subscribers and a continuous publisher reach broker A
 * through a proxy; the proxy is retargeted to broker B and A is drained. /ready turns 503 at once,
 * A accepts no new connection, every client is told DISCONNECTED 80003 and reconnects (to B), and
 * every publish A ACKed before the drain reached every subscriber before it was told to go.
 */
class DrainE2ETest {
    private static final String KEY = "app1.full:secret-full";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final long DRAIN_TIMEOUT = 6_000;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private BrokerApp broker() throws InterruptedException {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey("app1.full", "secret-full", Capability.ALL)),
                Limits.defaults(), 8L * 1024 * 1024, 2).withDrainTimeout(DRAIN_TIMEOUT);
        BrokerApp app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry());
        app.start();
        closeables.add(app);
        return app;
    }

    private AblyRealtime client(int port, String clientId, boolean binary) throws Exception {
        ClientOptions o = AblyJavaClients.options(port, binary);
        o.key = KEY;
        o.clientId = clientId;
        o.disconnectedRetryTimeout = 500;
        AblyRealtime r = new AblyRealtime(o);
        closeables.add(r::close);
        await().atMost(TIMEOUT).until(() -> r.connection.state == ConnectionState.connected);
        return r;
    }

    /** A subscriber, what it received, and what it had received when it was told DISCONNECTED. */
    private static final class Subscriber {
        final AblyRealtime client;
        final List<String> received = new CopyOnWriteArrayList<>();
        final AtomicReference<List<String>> atDisconnect = new AtomicReference<>();
        final AtomicReference<ErrorInfo> disconnectReason = new AtomicReference<>();
        final AtomicBoolean reconnected = new AtomicBoolean();

        Subscriber(AblyRealtime client, String channelName) throws Exception {
            this.client = client;
            Channel channel = client.channels.get(channelName);
            channel.subscribe(m -> received.add(String.valueOf(m.data)));
            await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached);
            client.connection.on(change -> {
                if (change.current == ConnectionState.disconnected && atDisconnect.get() == null) {
                    atDisconnect.set(List.copyOf(received));
                    disconnectReason.set(change.reason);
                } else if (change.current == ConnectionState.connected && atDisconnect.get() != null) {
                    reconnected.set(true);
                }
            });
        }
    }

    @Test
    void drainTellsClientsToReconnectAndLosesNoAckedPublish() throws Exception {
        BrokerApp a = broker();
        BrokerApp b = broker();
        DroppingProxy proxy = DroppingProxy.start(a.address().getPort());
        closeables.add(proxy);
        String channelName = "drain-" + System.nanoTime();

        List<Subscriber> subscribers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            subscribers.add(new Subscriber(client(proxy.port(), "sub" + i, i % 2 == 1), channelName));
        }
        AblyRealtime publisher = client(proxy.port(), "pub", false);
        Channel pubChannel = publisher.channels.get(channelName);

        // publish continuously; remember what was ACKed
        Set<String> acked = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicBoolean publishing = new AtomicBoolean(true);
        Thread pubThread = new Thread(() -> {
            int n = 0;
            while (publishing.get()) {
                String data = "m" + n++;
                try {
                    pubChannel.publish("tick", data, new CompletionListener() {
                        @Override
                        public void onSuccess() { acked.add(data); }

                        @Override
                        public void onError(ErrorInfo reason) { }
                    });
                    Thread.onSpinWait();
                    java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
                } catch (Exception e) {
                    return;
                }
            }
        }, "publisher");
        pubThread.start();
        closeables.add(() -> { publishing.set(false); pubThread.join(5_000); });
        await().atMost(TIMEOUT).until(() -> acked.size() >= 50);

        // a plain HTTP connection opened before the drain, to ask /ready once the listener is closed
        Socket probe = new Socket("127.0.0.1", a.address().getPort());
        closeables.add(probe);
        assertTrue(a.readiness().ready(), a.readiness().failing()::toString);

        proxy.retarget(b.address().getPort());
        Set<String> ackedBeforeDrain = new HashSet<>(acked);
        long started = System.nanoTime();
        Thread drainer = new Thread(a::drain, "drain");
        drainer.start();

        // /ready fails at once
        await().atMost(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(10))
                .until(() -> a.readiness().failing().contains("draining"));
        OutputStream out = probe.getOutputStream();
        out.write("GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String status = new BufferedReader(new InputStreamReader(probe.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        assertNotNull(status);
        assertTrue(status.startsWith("HTTP/1.1 503"), status);

        // the listener accepts no new connection while the drain goes on (the open probe socket keeps it
        // going for closeLinger after the clients have left, so this is not the final close)
        await().atMost(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThrows(java.net.ConnectException.class, () -> {
                    try (Socket s = new Socket()) {
                        s.connect(a.address(), 200);
                    }
                }));
        assertTrue(drainer.isAlive(), "the drain had already finished: the refusal proves nothing");

        // every subscriber is told DISCONNECTED 80003, having received every publish ACKed before the drain
        for (Subscriber s : subscribers) {
            await().atMost(TIMEOUT).until(() -> s.atDisconnect.get() != null);
            assertNotNull(s.disconnectReason.get(), "DISCONNECTED without a reason");
            assertEquals(80003, s.disconnectReason.get().code, s.disconnectReason.get().message);
            // the broker's own reason, not the SDK's for a dropped transport (also 80003)
            assertTrue(String.valueOf(s.disconnectReason.get().message).contains("shutting down"), s.disconnectReason.get().message);
            Set<String> missing = new HashSet<>(ackedBeforeDrain);
            missing.removeAll(s.atDisconnect.get());
            assertTrue(missing.isEmpty(), "acked before the drain but not delivered: " + missing.size() + " of "
                    + ackedBeforeDrain.size());
        }

        // drain returns once the clients have left, well before the drain timeout
        drainer.join(DRAIN_TIMEOUT + 5_000);
        assertFalse(drainer.isAlive(), "drain() did not return");
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMillis < DRAIN_TIMEOUT - 1_500, "drain took " + tookMillis + " ms: it waited for its timeout");

        // the SDKs reconnect, through the proxy, to B, and publishing goes on there
        for (Subscriber s : subscribers) {
            await().atMost(TIMEOUT).until(() -> s.reconnected.get() && s.client.connection.state == ConnectionState.connected);
        }
        await().atMost(TIMEOUT).until(() -> publisher.connection.state == ConnectionState.connected);
        int before = subscribers.get(0).received.size();
        await().atMost(TIMEOUT).until(() -> subscribers.get(0).received.size() > before + 10);
        assertTrue(b.metrics() != null);
        publishing.set(false);
    }
}
