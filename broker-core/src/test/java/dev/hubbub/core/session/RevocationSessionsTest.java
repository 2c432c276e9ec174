package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.RevocationRule;
import dev.hubbub.core.auth.RevocationTarget;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenClaims;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenRevocations;
import dev.hubbub.core.auth.TokenVerifier;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.ManualTimers;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestCore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Revocations applied to the connections of one node, in core with no network: a connection whose
 * token a rule names is told DISCONNECTED 40141 and its presence members leave at once (no grace
 * period: the clock does not move); others are untouched; with allowReauthMargin connections are
 * asked to renew (AUTH) and only those still on a named token are ended when the rule applies; a
 * revoked token opens no connection and passes no in-band AUTH, even when the rule arrives while the
 * connect is under way.
 */
class RevocationSessionsTest {
    private static final String CHANNEL = "room";

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final ManualTimers timers = new ManualTimers(clock);
    private final ApiKey key = new ApiKey("app1.k", "secret", Capability.ALL);
    private final TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(key)), clock);
    private final TokenRevocations revocations = authority.revocations();
    private final TestCore core = core(authority);

    private TestCore core(TokenVerifier verifier) {
        TestCore c = TestCore.builder().key(key).tokens(verifier).clock(clock).timers(timers).build();
        new RevokedSessions(c.connections, c.authenticator, clock, timers).follow(revocations);
        return c;
    }

    private record Client(Session session, RecordingTransport out) {
        void send(ProtocolMessage m) { session.handle(m); }

        ProtocolMessage last() { return out.last(); }

        List<PresenceMessage> presence() {
            return out.frames(Action.PRESENCE).stream().flatMap(m -> m.presence().stream()).toList();
        }
    }

    private List<PresenceMessage> members() { return core.presence.members(new ChannelKey("app1", CHANNEL), null, null, 100); }

    private String token(String clientId) { return authority.issue(key, TokenParams.forClientId(clientId)).value().token(); }

    private RecordingTransport transport() { return new RecordingTransport((task, delay) -> timers.schedule(task, delay)::cancel); }

    private Client connect(TestCore c, String key, String token) {
        RecordingTransport out = transport();
        Session s = c.connector.connect(new ConnectRequest(key, token, null, "json", "6", true, null, null, "test"), out);
        return new Client(s, out);
    }

    private Client connected(String token) {
        Client c = connect(core, null, token);
        assertNotNull(c.session(), () -> "refused: " + c.out().frames());
        return c;
    }

    private static ProtocolMessage attach() {
        return new ProtocolMessage(Action.ATTACH, null, CHANNEL, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
    }

    private static ProtocolMessage enter(long msgSerial) {
        return new ProtocolMessage(Action.PRESENCE, null, CHANNEL, null, null, null, null, null, null, msgSerial, null,
                List.of(new PresenceMessage(null, PresenceAction.ENTER, null, null, "here", null, null, null)), null, null, null,
                null);
    }

    private static ProtocolMessage auth(String token) {
        return new ProtocolMessage(Action.AUTH, null, null, null, null, null, null, null, null, null, null, null, null, token,
                null, null);
    }

    private void revoke(boolean margin, String... targets) {
        Outcome<List<TokenRevocations.TargetResult>> r = revocations.revoke(key.name(), List.of(targets), null, margin)
                .toCompletableFuture().join();
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
        timers.runDue(); // what the rule handed to each connection's own thread (the clock does not move)
    }

    private static void assertRevoked(Client c) {
        assertTrue(c.out().isClosed(), () -> "still open: " + c.out().frames());
        ProtocolMessage last = c.out().closedWith();
        assertNotNull(last, "closed without a frame");
        assertEquals(Action.DISCONNECTED, last.action(), last::toString);
        assertEquals(40141, last.error().code(), last::toString);
        assertEquals(401, last.error().statusCode(), last::toString);
    }

    @Test
    void aConnectionOnARevokedTokenIsDisconnected40141AndItsMembersLeaveAtOnce() {
        Client bob = connected(token("bob"));
        Client carol = connected(token("carol"));
        Client keyClient = connect(core, key.name() + ":secret", null);
        for (Client c : List.of(bob, carol)) {
            c.send(attach());
            c.send(enter(0));
        }
        keyClient.send(attach());
        assertEquals(2, members().size());
        keyClient.out().clear();

        revoke(false, "clientId:bob");

        assertRevoked(bob);
        assertFalse(carol.out().isClosed());
        assertFalse(keyClient.out().isClosed());
        List<PresenceMessage> seen = keyClient.presence();
        assertEquals(1, seen.size(), seen::toString);
        assertEquals(PresenceAction.LEAVE, seen.get(0).action());
        assertEquals("bob", seen.get(0).clientId());
        assertEquals(List.of("carol"), members().stream().map(PresenceMessage::clientId).toList());
        assertEquals(1.0, core.count("broker.disconnects", "reason", "token_revoked"));
    }

    @Test
    void aRevokedTokenOpensNoConnectionAndPassesNoInBandAuth() {
        String old = token("bob");
        clock.advance(Duration.ofSeconds(1));
        revoke(false, "clientId:bob");

        Client refused = connect(core, null, old);
        assertNull(refused.session());
        assertEquals(Action.DISCONNECTED, refused.out().closedWith().action());
        assertEquals(40141, refused.out().closedWith().error().code());

        clock.advance(Duration.ofMillis(1));
        Client renewed = connected(token("bob"));
        assertEquals(Action.CONNECTED, renewed.out().frames().get(0).action(), "a token issued after the revocation works");
        renewed.send(auth(old));
        assertEquals(Action.DISCONNECTED, renewed.last().action());
        assertEquals(40141, renewed.last().error().code());
    }

    @Test
    void withAReauthMarginConnectionsAreAskedToRenewAndOnlyThoseThatDidNotAreEndedWhenItApplies() {
        Client bob = connected(token("bob"));
        Client dave = connected(token("dave"));
        Client carol = connected(token("carol"));
        List.of(bob, dave, carol).forEach(c -> c.out().clear());

        revoke(true, "clientId:bob", "clientId:dave");

        assertEquals(1, bob.out().frames(Action.AUTH).size(), () -> bob.out().frames().toString());
        assertEquals(1, dave.out().frames(Action.AUTH).size());
        assertEquals(List.of(), carol.out().frames(Action.AUTH));
        assertFalse(bob.out().isClosed());
        clock.advance(Duration.ofMillis(1));
        bob.send(auth(token("bob")));
        assertEquals(Action.CONNECTED, bob.last().action(), "renewed");

        timers.advance(Duration.ofMillis(29_998));
        assertFalse(dave.out().isClosed(), "not before it applies");
        timers.advance(Duration.ofMillis(1));
        assertRevoked(dave);
        assertFalse(bob.out().isClosed(), "renewed in time");
        assertFalse(carol.out().isClosed());
    }

    @Test
    void aRuleArrivingWhileAConnectIsUnderWayEndsItOnceRegistered() {
        // the rule arrives after the token was verified, before the session is registered: the sweep cannot see it
        TokenVerifier racing = new TokenVerifier() {
            @Override
            public Outcome<TokenClaims> verify(String token) {
                Outcome<TokenClaims> v = authority.verify(token);
                revocations.add(new RevocationRule(key.name(), new RevocationTarget(RevocationTarget.Type.CLIENT_ID, "bob"),
                        clock.millis(), clock.millis(), clock.millis() + 60_000));
                return v;
            }

            @Override
            public ErrorInfo revocation(TokenClaims claims) { return authority.revocation(claims); }
        };
        TestCore raced = core(racing);
        Client bob = connect(raced, null, token("bob"));
        timers.runDue();
        assertRevoked(bob);
    }
}
