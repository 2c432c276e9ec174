package dev.hubbub.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.RevocationRule;
import dev.hubbub.core.auth.RevocationTarget;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenRevocations;
import dev.hubbub.core.auth.TokenSettings;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.RedisServer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Token revocations shared by nodes through a real Redis: a rule made on one node is heard by the
 * others within a second, a node that starts later (or missed the broadcast) loads it, Redis holds
 * rules and never tokens, and revoking while Redis is gone fails (5xxxx) while every node keeps
 * verifying from memory.
 */
class RevocationStoreTest {
    private final ApiKey key = new ApiKey("app1.k", "secret", Capability.ALL);
    private final Clock clock = Clock.systemUTC();
    private final List<ClusterNode> clusters = new ArrayList<>();
    private RedisServer redis;

    /** One node's token authority, its revocations shared through Redis. */
    private record Node(TokenAuthority tokens, RedisRevocationStore store) {
        TokenRevocations revocations() { return tokens.revocations(); }

        Outcome<List<TokenRevocations.TargetResult>> revoke(String... targets) {
            return revocations().revoke("app1.k", List.of(targets), null, false).toCompletableFuture().join();
        }
    }

    @BeforeEach
    void start() { redis = RedisServer.start(); }

    @AfterEach
    void stop() {
        clusters.forEach(ClusterNode::close);
        redis.close();
    }

    private Node node(String id, long reloadMillis) {
        ClusterNode cluster = new ClusterNode(ClusterSettings.of(List.of(URI.create(redis.uri())), id)
                .withTimings(5_000, 2_000, 200, 500)); // the first connection of a cold JVM may take over a second
        clusters.add(cluster);
        TokenAuthority tokens = new TokenAuthority(new KeyStore(List.of(key)), clock);
        RedisRevocationStore store = new RedisRevocationStore(cluster, tokens.revocations(), List.of(key.name()), clock, reloadMillis);
        tokens.revocations().shareThrough(store);
        return new Node(tokens, store);
    }

    private Node node(String id) { return node(id, RedisRevocationStore.RELOAD_MILLIS); }

    private String token(Node n, String clientId) { return n.tokens().issue(key, TokenParams.forClientId(clientId)).value().token(); }

    private static void assertRevoked(Node n, String token) {
        Outcome<?> v = n.tokens().verify(token);
        assertFalse(v.isOk(), "still verifies");
        assertEquals(ErrorCode.TOKEN_REVOKED.code(), v.error().code());
    }

    @Test
    void aRevocationOnOneNodeReachesTheOthersWithinASecondAndANodeStartedLaterLoadsIt() {
        Node a = node("a");
        Node b = node("b");
        String bob = token(b, "bob");
        assertTrue(b.tokens().verify(bob).isOk());
        assertTrue(a.store().loaded() && b.store().loaded());

        Outcome<List<TokenRevocations.TargetResult>> done = a.revoke("clientId:bob", "revocationKey:group1");
        assertTrue(done.isOk(), () -> String.valueOf(done.error()));
        await().atMost(Duration.ofSeconds(1)).until(() -> !b.tokens().verify(bob).isOk());
        assertRevoked(b, bob);
        assertTrue(b.tokens().verify(token(b, "carol")).isOk());
        assertEquals(2, b.revocations().rules().size(), "each rule once, however often heard");

        Node c = node("c");
        assertTrue(c.store().loaded());
        assertRevoked(c, bob);
    }

    @Test
    void redisHoldsTheRulesOfAKeyUntilTheyAreForgottenAndNoToken() {
        Node a = node("a");
        String bob = token(a, "bob");
        assertTrue(a.revoke("clientId:bob").isOk());
        String set = RedisRevocationStore.key(key.name());
        assertEquals(set, redis.command("KEYS", "hb:rv:*"));
        String stored = redis.command("ZRANGE", set, "0", "-1");
        assertTrue(stored.contains("\"t\":\"clientId:bob\""), stored);
        assertFalse(stored.contains(bob) || stored.contains("secret"), stored);
        long pttl = Long.parseLong(redis.command("PTTL", set));
        // the longest token lifetime, plus the allowance for a JWT issuer's clock running ahead
        long lifetime = TokenSettings.DEFAULTS.maxTtl().plus(TokenSettings.DEFAULTS.timestampWindow()).toMillis();
        assertTrue(pttl > lifetime - 10_000 && pttl <= lifetime, "lives as long as the longest token: " + pttl);
    }

    @Test
    void aNodeThatMissedTheBroadcastLoadsTheRuleAgain() {
        Node b = node("b", 500);
        String bob = token(b, "bob");
        long now = clock.millis();
        RevocationRule rule = new RevocationRule(key.name(), new RevocationTarget(RevocationTarget.Type.CLIENT_ID, "bob"), now, now,
                now + 60_000);
        redis.command("ZADD", RedisRevocationStore.key(key.name()), Long.toString(rule.forgetAt()), RedisRevocationStore.write(rule));
        await().atMost(Duration.ofSeconds(5)).until(() -> !b.tokens().verify(bob).isOk());
        assertRevoked(b, bob);
    }

    @Test
    void withRedisGoneRevokingFailsClosedAndVerificationGoesOnFromMemory() {
        Node a = node("a");
        Node b = node("b");
        String bob = token(b, "bob");
        String dave = token(a, "dave");
        assertTrue(a.revoke("clientId:bob").isOk());
        await().atMost(Duration.ofSeconds(1)).until(() -> !b.tokens().verify(bob).isOk());
        redis.kill();

        Outcome<List<TokenRevocations.TargetResult>> refused = a.revoke("clientId:dave");
        assertFalse(refused.isOk(), "never told it was shared when it was not");
        int code = refused.error().code();
        assertTrue(code == ErrorCode.CLUSTER_UNREACHABLE.code() || code == ErrorCode.TIMEOUT.code(), refused.error().toString());
        assertRevoked(a, dave); // the revoking node enforces it anyway
        long started = System.nanoTime();
        assertRevoked(b, bob);
        assertTrue(b.tokens().verify(token(b, "carol")).isOk());
        assertTrue(System.nanoTime() - started < Duration.ofMillis(200).toNanos(), "verification does not wait for Redis");
    }
}
