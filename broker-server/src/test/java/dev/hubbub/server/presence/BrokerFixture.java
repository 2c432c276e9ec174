package dev.hubbub.server.presence;

import static org.awaitility.Awaitility.await;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.AblyJavaClients;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.ManualTimers;
import dev.hubbub.testkit.RawWebSocket;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A real broker on 127.0.0.1, port 0, with a hand-driven clock and presence timers, and the clients
 * a test opened (closed with it). Keys: {@code app.all} (everything), {@code app.nopresence}
 * (subscribe + publish), {@code app.publishonly} (publish).
 */
final class BrokerFixture implements AutoCloseable {
    static final String ALL = "app.all:secret-all";
    static final String NO_PRESENCE = "app.nopresence:secret-np";
    static final String PUBLISH_ONLY = "app.publishonly:secret-po";

    /** The broker's clock; starts at the real time so tokens and TokenRequest timestamps stay plausible. */
    final ManualClock clock = ManualClock.startingNow();
    /** The broker's presence timers: {@code time.advance} moves {@link #clock} and runs what fell due, on the calling thread. */
    final ManualTimers time = new ManualTimers(clock);
    final BrokerApp app;
    final int port;
    private final List<AblyRealtime> realtimes = new ArrayList<>();
    private final List<AblyRest> rests = new ArrayList<>();
    private final List<RawWebSocket> raws = new ArrayList<>();

    BrokerFixture() throws Exception {
        List<ApiKey> keys = List.of(
                new ApiKey("app.all", "secret-all", Capability.ALL),
                new ApiKey("app.nopresence", "secret-np", Capability.parse("{\"*\":[\"subscribe\",\"publish\"]}").value()),
                new ApiKey("app.publishonly", "secret-po", Capability.parse("{\"*\":[\"publish\"]}").value()));
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, keys, Limits.defaults(), 8L * 1024 * 1024, 2);
        app = new BrokerApp(config, clock, new SimpleMeterRegistry(), time);
        port = app.start().getPort();
    }

    ClientOptions options(String key, String clientId, boolean binary) throws AblyException {
        ClientOptions o = AblyJavaClients.options(port, binary);
        o.key = key;
        o.clientId = clientId;
        return o;
    }

    /** A connected realtime client. */
    AblyRealtime realtime(String key, String clientId, boolean binary) throws AblyException {
        AblyRealtime ably = new AblyRealtime(options(key, clientId, binary));
        synchronized (realtimes) {
            realtimes.add(ably);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> ably.connection.state == ConnectionState.connected);
        return ably;
    }

    AblyRest rest(String key, boolean binary) throws AblyException {
        AblyRest rest = new AblyRest(options(key, null, binary));
        rests.add(rest);
        return rest;
    }

    /** A raw JSON connection with the given query ({@code key=...&clientId=...}) plus format=json and v=2; waits for CONNECTED. */
    RawWebSocket raw(String query) throws Exception {
        RawWebSocket c = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?format=json&v=2&" + query));
        c.awaitAction(4);
        raws.add(c);
        return c;
    }

    static Channel attached(AblyRealtime ably, String name) throws Exception {
        Channel ch = ably.channels.get(name);
        CompletableFuture<Void> done = new CompletableFuture<>();
        ch.attach(listener(done));
        done.get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> ch.state == ChannelState.attached);
        return ch;
    }

    static CompletionListener listener(CompletableFuture<Void> done) {
        return new CompletionListener() {
            @Override
            public void onSuccess() { done.complete(null); }

            @Override
            public void onError(ErrorInfo reason) { done.completeExceptionally(new AblyError(reason)); }
        };
    }

    /** Runs an operation that takes a CompletionListener; returns null on success, else the error. */
    static ErrorInfo outcome(ThrowingOp op) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            op.run(listener(done));
        } catch (AblyException e) {
            return e.errorInfo;
        }
        try {
            done.get(20, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return ((AblyError) e.getCause()).info;
        }
    }

    interface ThrowingOp {
        void run(CompletionListener listener) throws AblyException;
    }

    static final class AblyError extends RuntimeException {
        final ErrorInfo info;

        AblyError(ErrorInfo info) {
            super(info.code + " " + info.message);
            this.info = info;
        }
    }

    @Override
    public void close() {
        AblyJavaClients.closeQuietly(realtimes, rests);
        raws.forEach(RawWebSocket::close);
        app.close();
    }
}
