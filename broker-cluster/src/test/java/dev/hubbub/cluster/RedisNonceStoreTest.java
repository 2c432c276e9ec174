package dev.hubbub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenDetails;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenRequest;
import dev.hubbub.core.auth.TokenRequestSigner;
import dev.hubbub.core.auth.TokenSettings;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.RedisServer;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TokenRequest nonces shared by two nodes through a real Redis: exchanged once cluster-wide, and never when Redis cannot say. */
class RedisNonceStoreTest {
    private final ApiKey key = new ApiKey("app1.k", "secret", Capability.ALL);
    private final ApiKey otherApp = new ApiKey("app2.k", "secret2", Capability.ALL);
    private final Clock clock = Clock.systemUTC();
    private final TokenRequestSigner signer = new TokenRequestSigner(clock);
    private final List<ClusterNode> nodes = new ArrayList<>();
    private RedisServer redis;

    @BeforeEach
    void start() { redis = RedisServer.start(); }

    @AfterEach
    void stop() {
        nodes.forEach(ClusterNode::close);
        redis.close();
    }

    /** One node's token authority, its nonces in the cluster's Redis. */
    private TokenAuthority node(String id) {
        ClusterNode cluster = new ClusterNode(ClusterSettings.of(List.of(URI.create(redis.uri())), id)
                .withTimings(5_000, 2_000, 200, 500)); // the first connection of a cold JVM may take over a second
        nodes.add(cluster);
        return new TokenAuthority(new KeyStore(List.of(key, otherApp)), clock, TokenSettings.DEFAULTS, new RedisNonceStore(cluster));
    }

    @Test
    void aTokenRequestExchangedOnOneNodeIsAReplayOnAnother() {
        TokenAuthority a = node("a"), b = node("b");
        TokenRequest request = signer.create(key, TokenParams.forClientId("bob")).value();
        assertTrue(a.issue(request).isOk());
        Outcome<TokenDetails> again = b.issue(request);
        assertFalse(again.isOk());
        assertEquals(ErrorCode.NONCE_REPLAYED.code(), again.error().code());
        assertEquals(ErrorCode.NONCE_REPLAYED.code(), a.issue(request).error().code(), "and on the first node too");
        TokenRequest sameNonceOtherApp = signer.create(otherApp, new TokenParams(null, null, null, null, request.nonce())).value();
        assertTrue(b.issue(sameNonceOtherApp).isOk(), "another app's key has nonces of its own");
    }

    @Test
    void redisHoldsNeitherTheNonceNorTheMacAndForgetsThemAfterTwiceTheWindow() {
        TokenAuthority a = node("a");
        TokenRequest request = signer.create(key, TokenParams.DEFAULTS).value();
        assertTrue(a.issue(request).isOk());
        List<String> keys = List.of(redis.command("KEYS", "*").split("\n"));
        assertEquals(1, keys.size(), keys::toString);
        String stored = keys.get(0);
        assertTrue(stored.startsWith("hb:n:{app1.k}:"), stored);
        assertFalse(stored.contains(request.nonce()) || stored.contains(request.mac()), stored);
        assertEquals("1", redis.command("GET", stored));
        long ttl = Long.parseLong(redis.command("PTTL", stored));
        long window = TokenSettings.DEFAULTS.timestampWindow().toMillis();
        assertTrue(ttl > 2 * window - 10_000 && ttl <= 2 * window, "PTTL " + ttl);
    }

    @Test
    void withRedisGoneATokenRequestIsRefusedWithA5xxxxErrorNeverAccepted() {
        TokenAuthority a = node("a");
        assertTrue(a.issue(signer.create(key, TokenParams.DEFAULTS).value()).isOk());
        redis.kill();
        for (int i = 0; i < 3; i++) {
            Outcome<TokenDetails> refused = a.issue(signer.create(key, TokenParams.DEFAULTS).value());
            assertFalse(refused.isOk(), "fail closed");
            int code = refused.error().code();
            assertTrue(code == ErrorCode.CLUSTER_UNREACHABLE.code() || code == ErrorCode.TIMEOUT.code(), refused.error().toString());
            assertTrue(refused.error().statusCode() >= 500, "an HTTP 5xx");
        }
    }
}
