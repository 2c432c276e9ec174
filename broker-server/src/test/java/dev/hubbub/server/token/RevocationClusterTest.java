package dev.hubbub.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.cluster.ClusterSettings;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.RawWebSocket;
import dev.hubbub.testkit.RedisServer;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.realtime.ConnectionStateListener;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.PresenceMessage;
import io.ably.lib.util.Log;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Revocation across a cluster of two real brokers on one real Redis: a revocation made over REST on
 * node A reaches a client connected to node B (the official ably-java SDK, a static token) within a
 * second, as DISCONNECTED 40141, and its presence member leaves for a watcher on node A; a JWT named
 * by its revocation key is cut off on B too; B then refuses the revoked token for a new connection
 * and over REST, and so does a node started after the revocation (it loads the rules).
 */
class RevocationClusterTest {
    private static final String KEY_NAME = "rev1.main";
    private static final String SECRET = "rev1-secret";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();

    private final ApiKey key = new ApiKey(KEY_NAME, SECRET, Capability.ALL);
    /** The application's auth server: mints tokens with the key, no broker involved. */
    private final TokenAuthority authServer = new TokenAuthority(new KeyStore(List.of(key)), Clock.systemUTC());
    private final List<AutoCloseable> closing = new ArrayList<>();
    private RedisServer redis;

    @BeforeEach
    void startRedis() { redis = RedisServer.start(); }

    @AfterEach
    void stop() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        redis.close();
    }

    private int node(String id) throws InterruptedException {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(key), Limits.defaults(), 8L * 1024 * 1024, 1)
                .withCluster(ClusterSettings.of(List.of(URI.create(redis.uri())), id).withTimings(5000, 2000, 200, 500));
        BrokerApp app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry());
        closing.add(app);
        return app.start().getPort();
    }

    private static ConditionFactory waiting() {
        return Awaitility.await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    private AblyRealtime ably(int port, String token, String fullKey) {
        ClientOptions o = new ClientOptions();
        o.realtimeHost = "127.0.0.1";
        o.restHost = "127.0.0.1";
        o.port = port;
        o.tls = false;
        o.environment = null;
        o.fallbackHosts = new String[0];
        o.logLevel = Log.NONE;
        o.token = token;
        o.key = fullKey;
        try {
            AblyRealtime r = new AblyRealtime(o);
            closing.add(r::close);
            waiting().alias("connected").until(() -> r.connection.state == ConnectionState.connected);
            return r;
        } catch (AblyException e) {
            throw new AssertionError(e);
        }
    }

    private static void succeeds(Channel channel, boolean enter) throws Exception {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        CompletionListener l = new CompletionListener() {
            @Override
            public void onSuccess() { done.complete(null); }

            @Override
            public void onError(ErrorInfo reason) { done.complete(reason); }
        };
        if (enter) {
            channel.presence.enter("here", l);
        } else {
            channel.attach(l);
        }
        waiting().until(done::isDone);
        assertEquals(null, done.get(), "failed");
    }

    private RawWebSocket raw(int port, String token) {
        RawWebSocket ws = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?format=json&v=2&accessToken=" + token),
                RawWebSocket.JSON_TEXT_ONLY);
        closing.add(ws);
        return ws;
    }

    private static HttpResponse<String> post(int port, String path, String authorization, String body) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(TIMEOUT)
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

    private static void assertRefused40141(RawWebSocket ws) {
        JsonNode last = ws.awaitAction(6); // DISCONNECTED: a token error the SDK may fix by renewing
        assertEquals(40141, last.at("/error/code").asInt(), last::toString);
        assertTrue(ws.frames().stream().noneMatch(f -> f.path("action").asInt() == 4), "never CONNECTED: " + ws.frames());
    }

    @Test
    void aRevocationOnNodeAReachesAClientOnNodeBWithinASecondAndNodeBRefusesTheTokenAfterwards() throws Exception {
        int a = node("node-a");
        int b = node("node-b");
        String channelName = TokenBroker.channel("revoked");
        String bobToken = authServer.issue(key, TokenParams.forClientId("bob")).value().token();
        String carolToken = authServer.issue(key, TokenParams.forClientId("carol")).value().token();
        Instant now = Instant.now();
        String groupJwt = JWT.create().withKeyId(KEY_NAME).withIssuedAt(now).withExpiresAt(now.plus(Duration.ofHours(1)))
                .withClaim("x-ably-clientId", "dave").withClaim("x-ably-revocation-key", "group1")
                .sign(Algorithm.HMAC256(SECRET.getBytes(StandardCharsets.UTF_8)));

        AblyRealtime watcher = ably(a, null, KEY_NAME + ":" + SECRET);
        Channel watched = watcher.channels.get(channelName);
        List<PresenceMessage> seen = new CopyOnWriteArrayList<>();
        watched.presence.subscribe(seen::add);
        succeeds(watched, false);

        AblyRealtime bob = ably(b, bobToken, null);
        List<ConnectionStateListener.ConnectionStateChange> bobChanges = new CopyOnWriteArrayList<>();
        bob.connection.on((ConnectionStateListener) bobChanges::add);
        succeeds(bob.channels.get(channelName), true);
        AblyRealtime carol = ably(b, carolToken, null);
        RawWebSocket dave = raw(b, groupJwt);
        dave.awaitAction(4);
        waiting().alias("bob present, seen on node A").until(() -> seen.stream().anyMatch(m -> "bob".equals(m.clientId)));

        HttpResponse<String> revoked = post(a, "/keys/" + KEY_NAME + "/revokeTokens", "Basic " + b64(KEY_NAME + ":" + SECRET),
                "{\"targets\":[\"clientId:bob\",\"revocationKey:group1\"]}");
        assertEquals(200, revoked.statusCode(), revoked.body());
        assertTrue(revoked.body().contains("\"successCount\":2"), revoked.body());

        Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10)).alias("40141 on node B within a second")
                .until(() -> bobChanges.stream().anyMatch(c -> c.reason != null && c.reason.code == 40141)
                        && dave.frames().stream().anyMatch(f -> f.path("action").asInt() == 6));
        ConnectionStateListener.ConnectionStateChange first = bobChanges.get(0);
        assertEquals(ConnectionState.disconnected, first.current, () -> "first change: " + first.current);
        assertEquals(40141, first.reason.code);
        assertEquals(40141, dave.awaitAction(6).at("/error/code").asInt());
        waiting().alias("bob's member leaves, seen on node A")
                .until(() -> seen.stream().anyMatch(m -> m.action == PresenceMessage.Action.leave && "bob".equals(m.clientId)));
        waiting().alias("bob stops (a static token cannot be renewed)").until(() -> bob.connection.state == ConnectionState.failed);
        assertTrue(bobChanges.stream().noneMatch(c -> c.current == ConnectionState.connected), "never reconnected with it");
        assertEquals(ConnectionState.connected, carol.connection.state);

        assertRefused40141(raw(b, bobToken));
        HttpResponse<String> rest = post(b, "/channels/" + channelName + "/messages", "Bearer " + b64(bobToken), "{\"name\":\"n\"}");
        assertEquals(401, rest.statusCode(), rest.body());
        assertEquals("40141", rest.headers().firstValue("X-Ably-ErrorCode").orElse(null));

        int c = node("node-c"); // started after the revocation: loads the rules before it serves
        assertRefused40141(raw(c, bobToken));
        assertRefused40141(raw(c, groupJwt));
        RawWebSocket carolOnC = raw(c, carolToken);
        assertEquals(4, carolOnC.awaitAction(4).path("action").asInt());
        assertFalse(carolOnC.frames().stream().anyMatch(f -> f.path("action").asInt() == 6));
        assertEquals(ChannelState.attached, watched.state);
    }
}
