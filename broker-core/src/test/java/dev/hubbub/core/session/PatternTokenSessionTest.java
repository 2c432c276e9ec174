package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A connection made with a wildcard token limited to {@code support:*}, in core with no network:
 * the connect-time claim (40102 outside the pattern), the wire clientId ({@code *}), publishing and
 * presence through the identity gate (40012 outside the pattern, nothing delivered), and in-band
 * AUTH (the pattern is part of the identity: a token with another one is refused).
 */
class PatternTokenSessionTest {
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final ApiKey key = new ApiKey("app1.main", "main-secret", Capability.ALL);
    private final TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(key)), clock);
    private final TestCore core = TestCore.builder().key(key).tokens(authority).clock(clock)
            .timers((task, delay) -> () -> { }).build();

    private String patternToken(String pattern) {
        return authority.issue(key, TokenParams.forClientIdPattern(pattern)).value().token();
    }

    /** Connects with a token and an optional clientId claim; null when refused (the transport holds why). */
    private Session connect(String token, String claim, RecordingTransport out) {
        return core.connector.connect(new ConnectRequest(null, token, claim, "json", "6", true, null, null, "test:1"), out);
    }

    private TestClient connected(String token, String claim) {
        RecordingTransport out = new RecordingTransport();
        Session s = connect(token, claim, out);
        assertNotNull(s, () -> "refused: " + out.frames());
        return new TestClient(s, out);
    }

    private static ProtocolMessage publishAs(String channel, long msgSerial, String clientId) {
        return new ProtocolMessage(Action.MESSAGE, null, channel, null, null, null, null, null, null, msgSerial,
                List.of(Message.of("m", "from " + clientId).withClientId(clientId)), null, null, null, null, null);
    }

    private static ProtocolMessage enterAs(String channel, long msgSerial, String clientId) {
        return new ProtocolMessage(Action.PRESENCE, null, channel, null, null, null, null, null, null, msgSerial, null,
                List.of(new PresenceMessage(null, PresenceAction.ENTER, clientId, null, "here", null, null, null)), null, null,
                null, null);
    }

    private static ProtocolMessage auth(String token) {
        return new ProtocolMessage(Action.AUTH, null, null, null, null, null, null, null, null, null, null, null, null,
                token, null, null);
    }

    private static void assertError(int code, ErrorInfo error, String mentions) {
        assertNotNull(error, "an error was expected");
        assertEquals(code, error.code(), error::toString);
        assertTrue(error.message().contains(mentions), error::toString);
    }

    @Test
    void connectingWithAClaimOutsideThePatternIsRefusedWith40102NamingIt() {
        RecordingTransport out = new RecordingTransport();
        assertNull(connect(patternToken("support:*"), "alice", out));
        assertTrue(out.frames(Action.CONNECTED).isEmpty());
        assertEquals(Action.ERROR, out.closedWith().action());
        assertError(40102, out.closedWith().error(), "'support:*'");
        assertEquals(401, out.closedWith().error().statusCode());
    }

    @Test
    void aClaimInsideThePatternIdentifiesTheConnection() {
        TestClient ann = connected(patternToken("support:*"), "support:ann");
        assertEquals("support:ann", ann.connected().connectionDetails().clientId());
        ann.send(Frames.attach("room", null));
        ann.send(Frames.publish("room", 0, "implicit"));
        assertEquals(1, ann.out().frames(Action.ACK).size(), () -> ann.out().frames().toString());
        ProtocolMessage echoed = ann.out().frames(Action.MESSAGE).get(0);
        assertEquals("support:ann", echoed.messages().get(0).clientId());
    }

    @Test
    void withoutAClaimTheClientSeesAnOrdinaryWildcard() {
        TestClient wild = connected(patternToken("support:*"), null);
        assertEquals("*", wild.connected().connectionDetails().clientId());
    }

    @Test
    void publishingAsAClientIdInsideThePatternIsDeliveredOutsideIsNackedWith40012() {
        TestClient watcher = core.connect("app1.main:main-secret", null, null, null);
        watcher.send(Frames.attach("room", null));
        TestClient backend = connected(patternToken("support:*"), null);

        backend.send(publishAs("room", 0, "support:ann"));
        assertEquals(1, backend.out().frames(Action.ACK).size(), () -> backend.out().frames().toString());
        backend.send(publishAs("room", 1, "alice"));
        ProtocolMessage nack = backend.out().only(Action.NACK);
        assertEquals(1L, nack.msgSerial());
        assertError(40012, nack.error(), "'support:*'");
        assertFalse(backend.session().isClosed(), "the connection stays up");

        List<ProtocolMessage> seen = watcher.out().frames(Action.MESSAGE);
        assertEquals(List.of("support:ann"), seen.stream().flatMap(m -> m.messages().stream()).map(Message::clientId).toList());
        assertEquals(1.0, core.count("broker.identity.rejected", "reason", "outside_pattern"));
    }

    @Test
    void enteringPresenceAsAClientIdOutsideThePatternIsNackedWith40012() {
        TestClient backend = connected(patternToken("support:*"), null);
        backend.send(Frames.attach("room", null));
        backend.send(enterAs("room", 0, "support:ann"));
        assertEquals(1, backend.out().frames(Action.ACK).size(), () -> backend.out().frames().toString());
        backend.send(enterAs("room", 1, "alice"));
        assertError(40012, backend.out().only(Action.NACK).error(), "'support:*'");
        assertEquals(1, core.presence.memberCount(new ChannelKey("app1", "room")));
    }

    @Test
    void reauthWithTheSamePatternKeepsTheConnectionAnotherPatternOrNoneIsRefused() {
        TestClient same = connected(patternToken("support:*"), null);
        same.send(auth(patternToken("support:*")));
        assertEquals(Action.CONNECTED, same.out().last().action());
        assertFalse(same.session().isClosed());

        TestClient wider = connected(patternToken("support:*"), null);
        wider.send(auth(authority.issue(key, TokenParams.forClientId("*")).value().token()));
        assertEquals(Action.ERROR, wider.out().last().action());
        assertError(40102, wider.out().last().error(), "clientId pattern");

        TestClient other = connected(patternToken("support:*"), null);
        other.send(auth(patternToken("bot-*")));
        assertEquals(Action.ERROR, other.out().last().action());
        assertTrue(other.session().isClosed());
    }

    @Test
    void anIdentifiedConnectionRenewsWithAPatternTokenStillMatchingItsClientId() {
        TestClient ann = connected(patternToken("support:*"), "support:ann");
        ann.send(auth(patternToken("support:*")));
        assertEquals(Action.CONNECTED, ann.out().last().action());

        TestClient bo = connected(patternToken("support:*"), "support:bo");
        bo.send(auth(patternToken("bot-*")));
        assertEquals(Action.ERROR, bo.out().last().action());
        assertError(40102, bo.out().last().error(), "'bot-*'");
    }
}
