package dev.hubbub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.core.session.DisconnectReason;
import dev.hubbub.core.session.Limits;
import dev.hubbub.core.session.Session;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Resuming on another node through a real Redis: the same connection, once, for its own credentials only; the key never stored. */
class ClusterResumeTest extends ClusterTestBase {
    private static final String KEY = Nodes.KEY;
    private static final String OTHER_APP = "app2.k:secret2";
    private static final long TTL = Limits.defaults().connectionStateTtl();
    private static final ApiKey TOKENS_KEY = new ApiKey("app1.k", "secret", Capability.ALL);
    /** Tokens for app1, verified alike on every node (they are self-contained). */
    private static final TokenAuthority TOKENS = new TokenAuthority(new KeyStore(List.of(TOKENS_KEY)), Clock.systemUTC());
    private final List<ClusterNode> clusters = new ArrayList<>();

    @AfterEach
    void closeClusters() { clusters.forEach(ClusterNode::close); } // before the base class flushes Redis

    /** A node as {@link Nodes} builds one, with its connections resumable cluster-wide. */
    private TestCore node(String id) {
        ClusterNode cluster = new ClusterNode(ClusterSettings.of(List.of(URI.create(redis.uri())), id)
                .withTimings(5_000, 2_000, 200, 500)); // the first connection of a cold JVM may take over a second
        clusters.add(cluster);
        ClusterBus[] bus = new ClusterBus[1];
        return TestCore.builder()
                .key(new ApiKey("app1.k", "secret", Capability.ALL))
                .key(new ApiKey("app2.k", "secret2", Capability.ALL))
                .clock(Clock.systemUTC())
                .bus((router, own) -> bus[0] = new ClusterBus(cluster, router))
                .sharedLog((b, own) -> new ClusterLog(cluster, (ClusterBus) b))
                .resumeStore(new RedisResumeStore(cluster, TTL))
                .tokens(TOKENS)
                .build();
    }

    private static String patternToken(String pattern) {
        return TOKENS.issue(TOKENS_KEY, TokenParams.forClientIdPattern(pattern)).value().token();
    }

    private static TestClient withToken(TestCore node, String token, String resume) {
        RecordingTransport out = new RecordingTransport();
        Session s = node.connector.connect(new ConnectRequest(null, token, null, "json", "6", true, resume, null, "test"), out);
        assertNotNull(s, () -> "refused: " + out.frames());
        return new TestClient(s, out);
    }

    private static int errorCode(TestClient c) {
        ProtocolMessage connected = c.connected();
        return connected.error() == null ? 0 : connected.error().code();
    }

    /**
     * A connection as a client opens it on {@code node}, once its entry is in Redis (written behind:
     * a real client takes far longer to come back elsewhere than the write takes).
     */
    private static TestClient opened(TestCore node, String clientId) {
        return written(node.connect(KEY, clientId, null, null));
    }

    private static TestClient written(TestClient c) {
        Nodes.until(List.of(), () -> "1".equals(redis.command("EXISTS", RedisResumeStore.key(c.key()))));
        return c;
    }

    private static List<String> entries() {
        return Arrays.stream(redis.command("KEYS", "hb:r:*").split("\n")).filter(k -> !k.isEmpty()).toList();
    }

    @Test
    void aConnectionWhoseTransportDroppedOnOneNodeResumesOnAnotherOnce() {
        TestCore a = node("a"), b = node("b");
        TestClient alice = opened(a, "alice");
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        TestClient back = b.connect(KEY, "alice", alice.key(), null);
        assertEquals(alice.id(), back.id(), "the same connection");
        assertNull(back.connected().error(), "continuity kept");
        assertNotEquals(alice.key(), back.key(), "a new key for the next resume");
        Nodes.until(List.of(), () -> a.connections.size() == 0); // node a heard it was taken and forgot its parked state
        TestClient again = b.connect(KEY, "alice", alice.key(), null);
        assertNotEquals(alice.id(), again.id());
        assertEquals(ErrorCode.CONNECTION_NOT_RECOVERED.code(), errorCode(again), "a key works once");
        TestClient onA = a.connect(KEY, "alice", alice.key(), null);
        assertEquals(ErrorCode.CONNECTION_NOT_RECOVERED.code(), errorCode(onA), "on any node");
        TestClient onward = a.connect(KEY, "alice", written(back).key(), null); // and back again, with the new key
        assertEquals(alice.id(), onward.id());
        assertNull(onward.connected().error());
    }

    @Test
    void anotherAppOrClientIdIsRefusedAndTheConnectionStaysResumableForItsOwner() {
        TestCore a = node("a"), b = node("b");
        TestClient alice = opened(a, "alice");
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        assertEquals(ErrorCode.CONNECTION_RESUME_REFUSED.code(), errorCode(b.connect(KEY, "mallory", alice.key(), null)));
        assertEquals(ErrorCode.CONNECTION_RESUME_REFUSED.code(), errorCode(b.connect(OTHER_APP, "alice", alice.key(), null)));
        assertEquals(ErrorCode.CONNECTION_RESUME_REFUSED.code(), errorCode(b.connect(KEY, null, alice.key(), null)),
                "an anonymous client is not alice");
        TestClient back = b.connect(KEY, "alice", alice.key(), null);
        assertEquals(alice.id(), back.id());
        assertNull(back.connected().error());
    }

    /** A wildcard's clientId pattern is part of its identity on every node, as a clientId is. */
    @Test
    void aLimitedWildcardResumesOnAnotherNodeOnlyWithTheSamePattern() {
        TestCore a = node("a"), b = node("b");
        TestClient support = written(withToken(a, patternToken("support:*"), null));
        support.session().end(DisconnectReason.TRANSPORT_LOST, null);
        assertEquals(ErrorCode.CONNECTION_RESUME_REFUSED.code(), errorCode(withToken(b, patternToken("bot-*"), support.key())),
                "another pattern is another identity");
        assertEquals(ErrorCode.CONNECTION_RESUME_REFUSED.code(),
                errorCode(withToken(b, TOKENS.issue(TOKENS_KEY, TokenParams.forClientId("*")).value().token(), support.key())),
                "an unlimited wildcard is not the limited one");
        TestClient back = withToken(b, patternToken("support:*"), support.key());
        assertEquals(support.id(), back.id());
        assertNull(back.connected().error());
    }

    @Test
    void redisHoldsNeitherTheKeyNorItsSecretPartAndEntriesLiveForConnectionStateTtl() {
        TestCore a = node("a");
        TestClient alice = opened(a, "alice");
        List<String> keys = entries();
        assertEquals(1, keys.size(), keys::toString);
        String entry = keys.get(0);
        String secret = alice.key().substring(0, alice.key().indexOf('!'));
        String hash = redis.command("HGETALL", entry);
        for (String text : List.of(entry, hash, redis.command("KEYS", "*"))) {
            assertFalse(text.contains(alice.key()) || text.contains(secret), text);
        }
        assertEquals(List.of("id", alice.id(), "app", "app1", "kind", "IDENTIFIED", "node", "a", "client", "alice"),
                List.of(hash.split("\n")));
        long live = Long.parseLong(redis.command("PTTL", entry));
        assertTrue(live > TTL && live <= TTL + TTL / 3, "a live entry outlives its node by connectionStateTtl: " + live);
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        Nodes.until(List.of(), () -> Long.parseLong(redis.command("PTTL", entry)) <= TTL);
        TestClient bob = opened(a, "bob");
        bob.send(ProtocolMessage.of(Action.CLOSE));
        Nodes.until(List.of(), () -> entries().size() == 1); // a closed connection's entry goes
    }

    @Test
    void aSessionStillLiveOnItsNodeEndsThereWhenItsClientResumesOnAnother() {
        TestCore a = node("a"), b = node("b");
        TestClient alice = opened(a, "alice");
        alice.send(Frames.attach("room", null));
        Nodes.until(List.of(alice), () -> !alice.out().frames(Action.ATTACHED).isEmpty());
        TestClient back = b.connect(KEY, "alice", alice.key(), null); // its network vanished without a FIN
        assertEquals(alice.id(), back.id());
        Nodes.until(List.of(alice, back), () -> alice.session().isClosed());
        assertEquals(0, a.connections.size());
        back.out().runScheduled();
        assertFalse(back.session().isClosed(), "a node ignores its own takeovers");
    }

    @Test
    void aConnectionOfANodeThatDiedResumesOnAnother() {
        TestCore a = node("a"), b = node("b");
        TestClient alice = opened(a, "alice");
        clusters.remove(0).close(); // node a is gone without parking anything
        TestClient back = b.connect(KEY, "alice", alice.key(), null);
        assertEquals(alice.id(), back.id());
        assertNull(back.connected().error());
    }

    @Test
    void withRedisGoneAResumeOnAnotherNodeLosesContinuityRatherThanGuess() {
        TestCore a = node("a"), b = node("b");
        TestClient alice = opened(a, "alice");
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        redis.kill();
        TestClient back = b.connect(KEY, "alice", alice.key(), null);
        assertNotEquals(alice.id(), back.id());
        assertEquals(ErrorCode.CONNECTION_NOT_RECOVERED.code(), errorCode(back));
        TestClient local = a.connect(KEY, "alice", alice.key(), null);
        assertEquals(alice.id(), local.id(), "its own node still resumes it");
    }
}
