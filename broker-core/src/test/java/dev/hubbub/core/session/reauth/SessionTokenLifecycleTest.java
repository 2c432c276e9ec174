package dev.hubbub.core.session.reauth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.Connector;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.core.session.Limits;
import dev.hubbub.core.session.Session;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestCore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A token's life on one connection, in core with no network: the expiry timer, the renewal request
 * before expiry, and in-band AUTH (same identity re-arms the timer; another identity fails the
 * connection; a narrower capability drops channels at once). Time is a {@link ManualClock};
 * timers are recorded by {@link RecordingTransport} and run by hand.
 */
class SessionTokenLifecycleTest {
    private static final String KEY_NAME = "app1.main";
    private static final long HOUR = Duration.ofHours(1).toMillis();
    /** CredentialExpiry.RENEWAL_LEAD_MILLIS (package-private there): the AUTH request comes this long before expiry. */
    private static final long RENEWAL_LEAD = 30_000;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final ApiKey key = new ApiKey(KEY_NAME, "main-secret", Capability.ALL);
    private final ApiKey otherAppKey = new ApiKey("app2.main", "other-secret", Capability.ALL);
    private final KeyStore keys = new KeyStore(List.of(key, otherAppKey));
    private final TokenAuthority authority = new TokenAuthority(keys, clock);
    private final PresenceTimers noPresenceTimers = (task, delay) -> () -> { };
    private final TestCore core = TestCore.builder().key(key).key(otherAppKey).tokens(authority).clock(clock)
            .timers(noPresenceTimers).build();
    private final ChannelRouter router = core.router;
    private final Connector broker = core.connector;

    /** A connected client: its session and its outbound. */
    private record Client(Session session, RecordingTransport out) {
        void send(ProtocolMessage m) { session.handle(m); }
    }

    private String token(String clientId, long ttl) { return token(clientId, ttl, null); }

    private String token(String clientId, long ttl, String capability) {
        return authority.issue(key, new TokenParams(ttl, capability, clientId, null, null)).value().token();
    }

    private Client connectWithToken(String token, String clientIdParam) {
        RecordingTransport out = new RecordingTransport();
        Session s = broker.connect(new ConnectRequest(null, token, clientIdParam, "json", "2", true, null, null, "test:1"), out);
        assertNotNull(s, () -> "connection refused: " + out.frames());
        assertEquals(Action.CONNECTED, out.last().action());
        return new Client(s, out);
    }

    private Client connectWithKey() {
        RecordingTransport out = new RecordingTransport();
        Session s = broker.connect(new ConnectRequest(KEY_NAME + ":main-secret", null, null, "json", "2", true, null, null,
                "test:2"), out);
        assertNotNull(s, () -> "connection refused: " + out.frames());
        return new Client(s, out);
    }

    private static ProtocolMessage attach(String channel) {
        return new ProtocolMessage(Action.ATTACH, null, channel, null, null, null, null, null, null, null, null, null, null,
                null, null, null);
    }

    private static ProtocolMessage auth(String token) {
        return new ProtocolMessage(Action.AUTH, null, null, null, null, null, null, null, null, null, null, null, null,
                token, null, null);
    }

    private static ProtocolMessage publish(String channel, long msgSerial, String data) {
        return new ProtocolMessage(Action.MESSAGE, null, channel, null, null, null, null, null, null, msgSerial,
                List.of(Message.of("m", data)), null, null, null, null, null);
    }

    private int subscribers(String channel) {
        var ch = router.find(new ChannelKey("app1", channel));
        return ch == null ? 0 : ch.subscriberCount();
    }

    private static void assertError(int code, int status, ErrorInfo error) {
        assertNotNull(error, "an error was expected");
        assertEquals(code, error.code(), error::toString);
        assertEquals(status, error.statusCode(), error::toString);
    }

    @Test
    void expiryTimerDisconnectsWith40142AndReleasesEveryChannel() {
        Client bob = connectWithToken(token("bob", 10_000), null);
        bob.send(attach("alpha"));
        bob.send(attach("beta"));
        assertEquals(1, subscribers("alpha"));
        assertEquals(1, subscribers("beta"));
        // ttl 10 s: too short for a renewal request, so the expiry timer is the only one
        assertEquals(1, bob.out().liveTimers().size(), () -> bob.out().allTimers().toString());
        RecordingTransport.Timer expiry = bob.out().liveTimer(10_000);

        clock.advance(Duration.ofSeconds(10));
        expiry.run();

        ProtocolMessage last = bob.out().last();
        assertEquals(Action.DISCONNECTED, last.action());
        assertError(40142, 401, last.error());
        assertTrue(bob.out().isClosed());
        assertTrue(bob.session().isClosed());
        assertEquals(0, subscribers("alpha"));
        assertEquals(0, subscribers("beta"));
        assertEquals(0, router.channelCount());
    }

    @Test
    void expiryTimerThatFiresEarlyReArmsForTheRemainderInsteadOfDisconnecting() {
        Client bob = connectWithToken(token("bob", 10_000), null);
        RecordingTransport.Timer expiry = bob.out().liveTimer(10_000);

        clock.advance(Duration.ofSeconds(4));
        expiry.run(); // a scheduler may fire early: the session must believe the clock, not the timer

        assertFalse(bob.session().isClosed());
        assertTrue(bob.out().frames(Action.DISCONNECTED).isEmpty());
        RecordingTransport.Timer rest = bob.out().liveTimer(6_000);
        clock.advance(Duration.ofSeconds(6));
        rest.run();
        assertError(40142, 401, bob.out().last().error());
        assertTrue(bob.session().isClosed());
    }

    @Test
    void longLivedTokenGetsAnAuthRequestBeforeItExpires() {
        Client bob = connectWithToken(token("bob", HOUR), null);
        RecordingTransport.Timer renewal = bob.out().liveTimer(HOUR - RENEWAL_LEAD);
        bob.out().liveTimer(HOUR); // and the expiry timer itself
        bob.out().clear();

        clock.advance(Duration.ofMillis(HOUR - RENEWAL_LEAD));
        renewal.run();

        List<ProtocolMessage> sent = bob.out().frames();
        assertEquals(1, sent.size(), sent::toString);
        assertEquals(Action.AUTH, sent.get(0).action());
        assertNull(sent.get(0).authAccessToken(), "the server's AUTH asks; it carries no token");
        assertNull(sent.get(0).error());
        assertFalse(bob.session().isClosed(), "asking for a token does not end the connection");
    }

    @Test
    void keyAuthenticatedConnectionsHaveNoExpiryOrRenewalTimers() {
        Client keyClient = connectWithKey();
        assertTrue(keyClient.out().liveTimers().isEmpty(), () -> keyClient.out().allTimers().toString());
    }

    @Test
    void reauthWithSameIdentityReArmsExpiryKeepsConnectionIdAndChannels() {
        Client bob = connectWithToken(token("bob", 20_000), null);
        String connectionId = bob.session().connectionId();
        String connectionKey = bob.out().frames(Action.CONNECTED).get(0).connectionDetails().connectionKey();
        bob.send(attach("alpha"));
        RecordingTransport.Timer firstExpiry = bob.out().liveTimer(20_000);
        bob.out().clear();

        clock.advance(Duration.ofSeconds(15));
        bob.send(auth(token("bob", 40_000)));

        List<ProtocolMessage> connected = bob.out().frames(Action.CONNECTED);
        assertEquals(1, connected.size(), () -> bob.out().frames().toString());
        assertEquals(connectionId, connected.get(0).connectionId(), "re-auth keeps the connectionId");
        assertEquals("bob", connected.get(0).connectionDetails().clientId());
        assertEquals(connectionKey, connected.get(0).connectionDetails().connectionKey());
        assertNull(connected.get(0).error());
        assertTrue(firstExpiry.cancelled(), "the old expiry timer is cancelled");
        RecordingTransport.Timer secondExpiry = bob.out().liveTimer(40_000);

        // past the first token's expiry: still connected (even if a stale timer fired anyway)
        clock.advance(Duration.ofSeconds(10));
        firstExpiry.task.run();
        assertFalse(bob.session().isClosed(), () -> bob.out().frames().toString());
        assertEquals(1, subscribers("alpha"));

        // the new token's expiry ends it
        clock.advance(Duration.ofSeconds(30));
        secondExpiry.run();
        assertEquals(Action.DISCONNECTED, bob.out().last().action());
        assertError(40142, 401, bob.out().last().error());
        assertTrue(bob.session().isClosed());
        assertEquals(0, subscribers("alpha"));
    }

    @Test
    void reauthAfterTheRenewalRequestCancelsTheOldTimersAndSchedulesNewOnes() {
        Client bob = connectWithToken(token("bob", HOUR), null);
        RecordingTransport.Timer renewal = bob.out().liveTimer(HOUR - RENEWAL_LEAD);
        RecordingTransport.Timer expiry = bob.out().liveTimer(HOUR);
        clock.advance(Duration.ofMillis(HOUR - RENEWAL_LEAD));
        renewal.run();

        bob.send(auth(token("bob", HOUR)));

        assertTrue(expiry.cancelled());
        assertEquals(2, bob.out().liveTimers().stream().filter(t -> t != renewal).count(), () -> bob.out().allTimers().toString());
        bob.out().liveTimer(HOUR);
        bob.out().liveTimer(HOUR - RENEWAL_LEAD);
        assertFalse(bob.session().isClosed());
    }

    @Test
    void reauthWithTokenForAnotherClientIdFailsTheConnectionWith40102() {
        Client bob = connectWithToken(token("bob", HOUR), null);
        bob.send(attach("alpha"));
        bob.out().clear();

        bob.send(auth(token("mallory", HOUR)));

        ProtocolMessage last = bob.out().last();
        assertEquals(Action.ERROR, last.action());
        assertNull(last.channel(), "a connection-level ERROR");
        assertError(40102, 401, last.error());
        assertTrue(bob.out().frames(Action.CONNECTED).isEmpty());
        assertTrue(bob.session().isClosed());
        assertEquals(0, subscribers("alpha"));
        assertEquals("bob", bob.session().principal().identity().clientId(), "the identity never changed");
    }

    @Test
    void reauthOfAnAnonymousConnectionWithAnIdentifiedTokenIsRefused() {
        Client anon = connectWithToken(token(null, HOUR), null);
        anon.send(auth(token("bob", HOUR)));
        assertEquals(Action.ERROR, anon.out().last().action());
        assertError(40102, 401, anon.out().last().error());
        assertTrue(anon.session().isClosed());
    }

    @Test
    void reauthWithTokenFromAnotherAppIsRefused() {
        Client bob = connectWithToken(token("bob", HOUR), null);
        String otherApp = authority.issue(otherAppKey, TokenParams.forClientId("bob")).value().token();
        bob.send(auth(otherApp));
        assertEquals(Action.ERROR, bob.out().last().action());
        assertError(40102, 401, bob.out().last().error());
        assertTrue(bob.session().isClosed());
    }

    @Test
    void reauthWithAnExpiredTokenDisconnectsWith40142SoTheClientRenews() {
        Client bob = connectWithToken(token("bob", HOUR), null);
        String shortLived = token("bob", 1_000);
        clock.advance(Duration.ofSeconds(2));
        bob.send(auth(shortLived));
        assertEquals(Action.DISCONNECTED, bob.out().last().action());
        assertError(40142, 401, bob.out().last().error());
        assertTrue(bob.session().isClosed());
    }

    @Test
    void reauthWithNarrowerCapabilityDropsTheChannelNoLongerPermittedAndKeepsTheOther() {
        Client bob = connectWithToken(token("bob", HOUR, "{\"alpha\":[\"*\"],\"beta\":[\"*\"]}"), null);
        bob.send(attach("alpha"));
        bob.send(attach("beta"));
        Client publisher = connectWithKey();
        bob.out().clear();

        bob.send(auth(token("bob", HOUR, "{\"alpha\":[\"subscribe\"]}")));

        List<ProtocolMessage> sent = bob.out().frames();
        assertEquals(Action.CONNECTED, sent.get(0).action(), sent::toString);
        List<ProtocolMessage> errors = bob.out().frames(Action.ERROR);
        assertEquals(1, errors.size(), sent::toString);
        assertEquals("beta", errors.get(0).channel());
        assertError(40160, 401, errors.get(0).error());
        assertFalse(bob.session().isClosed(), "a channel-level ERROR leaves the connection up");
        assertEquals(0, subscribers("beta"));
        assertEquals(1, subscribers("alpha"));

        bob.out().clear();
        publisher.send(publish("alpha", 0, "still here"));
        publisher.send(publish("beta", 1, "gone"));
        List<ProtocolMessage> delivered = bob.out().frames(Action.MESSAGE);
        assertEquals(1, delivered.size(), () -> bob.out().frames().toString());
        assertEquals("alpha", delivered.get(0).channel());

        // and publishing on alpha is no longer allowed: subscribe only
        bob.send(publish("alpha", 0, "not allowed"));
        ProtocolMessage nack = bob.out().last();
        assertEquals(Action.NACK, nack.action());
        assertError(40160, 401, nack.error());
    }

    @Test
    void reauthThatTakesAwayPresenceMakesTheConnectionsMembersLeave() {
        Client bob = connectWithToken(token("bob", HOUR, "{\"room\":[\"presence\",\"subscribe\"]}"), null);
        bob.send(attach("room"));
        bob.send(new ProtocolMessage(Action.PRESENCE, null, "room", null, null, null, null, null, null, 0L, null,
                List.of(new dev.hubbub.core.protocol.PresenceMessage(null, dev.hubbub.core.protocol.PresenceAction.ENTER,
                        null, null, "here", null, null, null)), null, null, null, null));
        ChannelKey room = new ChannelKey("app1", "room");
        assertEquals(1, core.presence.memberCount(room), () -> bob.out().frames().toString());
        bob.out().clear();

        bob.send(auth(token("bob", HOUR, "{\"room\":[\"subscribe\"]}")));

        assertEquals(0, core.presence.memberCount(room), "a member without the presence capability is not kept");
        List<ProtocolMessage> leaves = bob.out().frames(Action.PRESENCE);
        assertEquals(1, leaves.size(), () -> bob.out().frames().toString());
        assertEquals(dev.hubbub.core.protocol.PresenceAction.LEAVE, leaves.get(0).presence().get(0).action());
        assertEquals("bob", leaves.get(0).presence().get(0).clientId());
        assertEquals(1, subscribers("room"), "still attached: subscribe is still granted");
    }
}
