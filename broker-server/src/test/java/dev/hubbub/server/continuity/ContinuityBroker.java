package dev.hubbub.server.continuity;

import static org.awaitility.Awaitility.await;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.DroppingProxy;
import dev.hubbub.testkit.DroppingProxy.BrokerSide;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.ManualTimers;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ChannelOptions;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import io.ably.lib.util.Log;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * A real broker on 127.0.0.1, port 0, with a hand-driven clock and presence timers (so
 * connectionStateTtl, presence grace periods, message ages and rewind windows pass when the test
 * says, not when the machine gets round to it), a {@link DroppingProxy} in front of it, and the
 * ably-java clients a test opened (closed with it). Keys: {@link #KEY} and {@link #OTHER_APP_KEY}.
 */
final class ContinuityBroker implements AutoCloseable {
    static final String KEY = "cont.all:secret-cont";
    static final String OTHER_APP_KEY = "elsewhere.all:secret-elsewhere";
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    final ManualClock clock = ManualClock.startingNow();
    /** The broker's presence timers: {@code time.advance} moves {@link #clock} and runs what fell due. */
    final ManualTimers time = new ManualTimers(clock);
    final BrokerApp app;
    final int port;
    final DroppingProxy proxy;
    private final List<AblyRealtime> realtimes = new ArrayList<>();
    private final List<AblyRest> rests = new ArrayList<>();

    ContinuityBroker() throws Exception { this(Limits.defaults()); }

    ContinuityBroker(Limits limits) throws Exception {
        List<ApiKey> keys = List.of(
                new ApiKey("cont.all", "secret-cont", Capability.ALL),
                new ApiKey("elsewhere.all", "secret-elsewhere", Capability.ALL));
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, keys, limits, 8L * 1024 * 1024, 2);
        app = new BrokerApp(config, clock, new SimpleMeterRegistry(), time);
        port = app.start().getPort();
        proxy = DroppingProxy.start(port);
    }

    static String uniqueChannel(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    /**
     * Options for a local, non-TLS broker. Retries come quickly (the proxy may refuse a few
     * attempts); nothing else is shortened, so a slow machine cannot time a healthy connection out.
     *
     * @param viaProxy connect through the proxy (realtime and REST) rather than to the broker
     */
    ClientOptions options(String key, String clientId, boolean binary, boolean viaProxy) throws AblyException {
        ClientOptions o = new ClientOptions();
        o.key = key;
        o.clientId = clientId;
        o.realtimeHost = "127.0.0.1";
        o.restHost = "127.0.0.1";
        o.port = viaProxy ? proxy.port() : port;
        o.tls = false;
        o.environment = null;
        o.fallbackHosts = new String[0];
        o.useBinaryProtocol = binary;
        o.disconnectedRetryTimeout = 200;
        o.suspendedRetryTimeout = 200;
        o.logLevel = Integer.getInteger("hubbub.ablyLogLevel", Log.NONE);
        return o;
    }

    /** A realtime client with these options, closed with the fixture; not waited for. */
    AblyRealtime realtime(ClientOptions options) throws AblyException {
        AblyRealtime ably = new AblyRealtime(options);
        synchronized (realtimes) {
            realtimes.add(ably);
        }
        return ably;
    }

    /** A connected realtime client. */
    AblyRealtime connected(String clientId, boolean binary, boolean viaProxy) throws AblyException {
        return connected(options(KEY, clientId, binary, viaProxy));
    }

    AblyRealtime connected(ClientOptions options) throws AblyException {
        AblyRealtime ably = realtime(options);
        await().atMost(TIMEOUT).until(() -> ably.connection.state == ConnectionState.connected);
        return ably;
    }

    AblyRest rest(String key, boolean binary, Consumer<ClientOptions> tweak) throws AblyException {
        ClientOptions o = options(key, null, binary, false);
        tweak.accept(o);
        AblyRest rest = new AblyRest(o);
        synchronized (rests) {
            rests.add(rest);
        }
        return rest;
    }

    /** How many connections the broker has seen end for {@code reason} (a DisconnectReason name, lower case). */
    double disconnects(String reason) {
        Counter c = app.metrics().registry().find("broker.disconnects").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** A new instance recovering (RTN16) the connection of {@code recoveryKey}, straight to the broker, connected. */
    AblyRealtime recovered(String clientId, boolean binary, String recoveryKey) throws AblyException {
        ClientOptions options = options(KEY, clientId, binary, false);
        options.recover = recoveryKey;
        return connected(options);
    }

    /** Every wire format (useBinaryProtocol false, true) with every {@link BrokerSide} of a cut. */
    static Stream<Arguments> formatsAndSides() {
        List<Arguments> all = new ArrayList<>();
        for (boolean binary : new boolean[] {false, true}) {
            for (BrokerSide side : BrokerSide.values()) {
                all.add(Arguments.of(binary, side));
            }
        }
        return all.stream();
    }

    /** Subscribes to {@code channel} and waits until it is attached; the messages it receives, as they come. */
    static List<Message> subscribed(Channel channel) throws AblyException {
        List<Message> received = new CopyOnWriteArrayList<>();
        channel.subscribe(received::add);
        await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached);
        return received;
    }

    /** Channel options with {@code params.rewind} (RTL4k). */
    static ChannelOptions rewind(String value) {
        ChannelOptions options = new ChannelOptions();
        options.params = new HashMap<>(Map.of("rewind", value));
        return options;
    }


    @Override
    public void close() {
        synchronized (realtimes) {
            for (AblyRealtime a : realtimes) {
                try {
                    a.close();
                } catch (RuntimeException ignored) {
                    // closing anyway
                }
            }
        }
        synchronized (rests) {
            for (AblyRest r : rests) {
                try {
                    r.close();
                } catch (Exception ignored) {
                    // closing anyway
                }
            }
        }
        proxy.close();
        app.close();
    }
}
