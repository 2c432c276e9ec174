package dev.hubbub.server.cluster;

import static org.awaitility.Awaitility.await;

import dev.hubbub.cluster.ClusterSettings;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.AblyJavaClients;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.DroppingProxy;
import dev.hubbub.testkit.RawWebSocket;
import dev.hubbub.testkit.RedisServer;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import io.ably.lib.util.Log;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A cluster on this machine for end-to-end tests: one real {@code redis-server} ({@link RedisServer},
 * persistence off) and N {@link BrokerApp} nodes on 127.0.0.1, port 0, each joined to it as
 * {@code node-i} with short timings (command timeout 1 s, clients told to reconnect after 2 s
 * without Redis, a check every 200 ms, a channel let go 500 ms after its last subscriber), plus
 * the clients a test makes against a given node: ably-java {@link AblyRealtime} and {@link AblyRest},
 * and {@link RawWebSocket}s. Closing it closes the clients, then the nodes, then Redis. A node may
 * be started behind its own {@link DroppingProxy} to Redis ({@link #redisProxy}), so a test can cut
 * that one node off from Redis. A test may tune every node's {@link ClusterSettings} further
 * ({@link #start(int, Set, UnaryOperator)}), and may {@link #killNode kill} a node rather than stop it.
 *
 * <p>Keys: {@link #KEY} (app {@code app1}) and {@link #OTHER_APP_KEY} (app {@code app2}), both with
 * every capability. ably-java clients speak MessagePack (ably-java's default) to even-numbered
 * nodes and JSON to odd-numbered ones (see {@link #options}), so a message crossing nodes crosses
 * formats too.
 */
final class ClusterFixture implements AutoCloseable {
    static final String KEY = "app1.all:secret-one";
    static final String OTHER_APP_KEY = "app2.all:secret-two";
    /** How long any wait lasts: generous, for a busy 2-core machine, but bounded. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static final HttpClient HTTP = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final RedisServer redis;
    private final List<BrokerApp> nodes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final List<Boolean> closed = new ArrayList<>();
    private final Map<Integer, DroppingProxy> redisProxies = new HashMap<>();
    private final List<AblyRealtime> realtimes = new CopyOnWriteArrayList<>();
    private final List<AblyRest> rests = new CopyOnWriteArrayList<>();
    private final List<RawWebSocket> raws = new CopyOnWriteArrayList<>();
    private final UnaryOperator<ClusterSettings> tuning;

    private ClusterFixture(RedisServer redis, UnaryOperator<ClusterSettings> tuning) {
        this.redis = redis;
        this.tuning = tuning;
    }

    /** Redis and {@code n} nodes, every node listening when this returns. */
    static ClusterFixture start(int n) throws Exception { return start(n, Set.of()); }

    /** As {@link #start(int)}, the nodes in {@code behindProxy} reaching Redis through a {@link DroppingProxy} each. */
    static ClusterFixture start(int n, Set<Integer> behindProxy) throws Exception {
        return start(n, behindProxy, UnaryOperator.identity());
    }

    /**
     * As {@link #start(int, Set)}, each node's settings (the fixture's short timings already in
     * them) passed through {@code tuning} first, e.g. {@code s -> s.withPresenceDeadAfter(1_500)}.
     */
    static ClusterFixture start(int n, Set<Integer> behindProxy, UnaryOperator<ClusterSettings> tuning) throws Exception {
        ClusterFixture f = new ClusterFixture(RedisServer.start(), tuning);
        try {
            for (int i = 0; i < n; i++) {
                f.startNode(i, behindProxy.contains(i));
            }
        } catch (Exception | Error e) {
            f.close();
            throw e;
        }
        return f;
    }

    private void startNode(int i, boolean behindProxy) throws Exception {
        List<ApiKey> keys = List.of(
                new ApiKey("app1.all", "secret-one", Capability.ALL),
                new ApiKey("app2.all", "secret-two", Capability.ALL));
        String redisUri = redis.uri();
        if (behindProxy) {
            DroppingProxy proxy = DroppingProxy.start(redis.port());
            redisProxies.put(i, proxy);
            redisUri = "redis://127.0.0.1:" + proxy.port();
        }
        ClusterSettings cluster = tuning.apply(ClusterSettings.of(List.of(URI.create(redisUri)), "node-" + i)
                .withTimings(1_000, 2_000, 200, 500));
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, keys, Limits.defaults(), 8L * 1024 * 1024, 2)
                .withCluster(cluster);
        BrokerApp app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry());
        nodes.add(app);
        closed.add(false);
        ports.add(app.start().getPort());
    }

    BrokerApp node(int i) { return nodes.get(i); }

    int port(int i) { return ports.get(i); }

    /** The proxy between node {@code i} and Redis (the node must have been started behind one). */
    DroppingProxy redisProxy(int i) {
        DroppingProxy p = redisProxies.get(i);
        if (p == null) {
            throw new IllegalStateException("node " + i + " reaches Redis directly");
        }
        return p;
    }

    /** Closes node {@code i} (BrokerApp.close(): its listener, its connections, its cluster connection), as a node going away. */
    void stopNode(int i) {
        if (!closed.get(i)) {
            closed.set(i, true);
            nodes.get(i).close();
        }
    }

    /**
     * Kills node {@code i}, as near to {@code kill -9} as one JVM allows: first its cluster
     * connection closes ({@code app.cluster().close()}: its Redis connections, its heartbeat, its
     * timers and lanes stop), so nothing it does afterwards reaches Redis or any other node; then the
     * node closes, its clients' connections dropping. What the node would write on the way down
     * (presence LEAVEs of its members, its connections parked or closed in the resume store) fails
     * against the closed connections, as it would never be written by a killed process. Unlike a
     * real kill, a command already handed to Lettuce may or may not reach Redis; the tests kill a
     * node only once its traffic has settled. Expect the killed node to log a WARN "unexpected
     * error; ending the connection" per client connection it had: parking the connection in the
     * resume store throws from the closed Redis client (which a node only meets this way: a normal
     * {@code close()} ends its connections before it closes its cluster connection).
     */
    void killNode(int i) {
        if (!closed.get(i)) {
            closed.set(i, true);
            BrokerApp app = nodes.get(i);
            app.cluster().close();
            app.close();
        }
    }

    static String uniqueChannel(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    // ----- ably-java -----

    /**
     * Options for node {@code node}: plain HTTP and WebSocket on its port, no fallback hosts,
     * MessagePack on even nodes and JSON on odd ones. Retries come quickly (a node tells its clients to
     * reconnect while Redis is away); nothing else is shortened.
     */
    ClientOptions options(int node, String key, String clientId) throws AblyException {
        ClientOptions o = new ClientOptions();
        o.key = key;
        o.clientId = clientId;
        o.realtimeHost = "127.0.0.1";
        o.restHost = "127.0.0.1";
        o.port = port(node);
        o.tls = false;
        o.environment = null;
        o.fallbackHosts = new String[0];
        o.useBinaryProtocol = node % 2 == 0;
        o.disconnectedRetryTimeout = 250;
        o.suspendedRetryTimeout = 250;
        o.channelRetryTimeout = 250;
        o.logLevel = Integer.getInteger("hubbub.ablyLogLevel", Log.NONE);
        return o;
    }

    /** A realtime client of app1 on {@code node}, closed with the fixture; not waited for. */
    AblyRealtime realtime(int node, String clientId) throws AblyException { return realtime(options(node, KEY, clientId)); }

    AblyRealtime realtime(ClientOptions options) throws AblyException {
        AblyRealtime ably = new AblyRealtime(options);
        realtimes.add(ably);
        return ably;
    }

    /** A realtime client of app1 on {@code node}, CONNECTED. */
    AblyRealtime connected(int node, String clientId) throws AblyException {
        return connected(options(node, KEY, clientId));
    }

    AblyRealtime connected(ClientOptions options) throws AblyException {
        AblyRealtime ably = realtime(options);
        await().atMost(TIMEOUT).until(() -> ably.connection.state == ConnectionState.connected);
        return ably;
    }

    /** A REST client of the app of {@code key} on {@code node}, closed with the fixture. */
    AblyRest rest(int node, String key) throws AblyException { return rest(options(node, key, null)); }

    AblyRest rest(ClientOptions options) throws AblyException {
        AblyRest rest = new AblyRest(options);
        rests.add(rest);
        return rest;
    }

    /** Subscribes to {@code channel} and waits until it is attached; the messages it receives, as they come. */
    static List<Message> subscribed(Channel channel) throws AblyException {
        List<Message> received = new CopyOnWriteArrayList<>();
        channel.subscribe(received::add);
        await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached);
        return received;
    }


    // ----- raw WebSocket and plain HTTP -----

    /** A raw JSON WebSocket connection of app1 to {@code node} (waits for the upgrade only), closed with the fixture. */
    RawWebSocket raw(int node) { return raw(node, ""); }

    /** As {@link #raw(int)}, with more of the connection's query ({@code "&resume=..."}, say). */
    RawWebSocket raw(int node, String moreQuery) {
        RawWebSocket ws = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port(node) + "/?"
                + RawWebSocket.param("key", KEY) + "&format=json&v=3&heartbeats=true" + moreQuery));
        raws.add(ws);
        return ws;
    }

    /** The status of a plain {@code GET /ready} on {@code node}; -1 when nothing answers. */
    int ready(int node) {
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(node) + "/ready"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        try {
            return HTTP.send(get, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() {
        AblyJavaClients.closeQuietly(realtimes, rests);
        raws.forEach(RawWebSocket::close);
        for (int i = 0; i < nodes.size(); i++) {
            try {
                stopNode(i);
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        redisProxies.values().forEach(DroppingProxy::close);
        redis.close();
    }
}
