package dev.hubbub.core.presence;

import static dev.hubbub.core.presence.PresenceHarness.item;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.presence.PresenceHarness.Client;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Who may be a member: every item passes the identity gate; a rejected frame changes nothing and tells no one. */
class PresenceIdentityTest {
    private PresenceHarness h;
    private Client observer;

    @BeforeEach
    void setUp() {
        h = new PresenceHarness();
        observer = h.key("app.all", "olivia");
        observer.attach("room");
        observer.transport.clear();
    }

    private void assertNack(ProtocolMessage reply, int code) {
        assertEquals(Action.NACK, reply.action(), () -> "expected NACK, got " + reply);
        assertEquals(code, reply.error().code(), reply.error().message());
        assertEquals(1, reply.count());
    }

    private void assertNothingChanged() {
        assertEquals(0, h.presence().memberCount(PresenceHarness.key("room")));
        assertTrue(observer.events("room").isEmpty(), () -> "observer saw " + observer.events("room"));
    }

    @Test
    void identifiedClientWithoutClientIdEntersAsItself() {
        Client alice = h.key("app.all", "alice");
        alice.attach("room");
        ProtocolMessage ack = alice.enter("room", "hi");
        assertEquals(Action.ACK, ack.action());
        assertEquals(List.of("alice"), observer.events("room").stream().map(PresenceMessage::clientId).toList());
    }

    @Test
    void identifiedClientNamingItselfIsAccepted() {
        Client alice = h.key("app.all", "alice");
        alice.attach("room");
        assertEquals(Action.ACK, alice.presence("room", item(PresenceAction.ENTER, "alice", null)).action());
        assertEquals(1, h.presence().memberCount(PresenceHarness.key("room")));
    }

    @Test
    void identifiedClientCannotEnterAsSomeoneElse() {
        Client alice = h.key("app.all", "alice");
        alice.attach("room");
        assertNack(alice.presence("room", item(PresenceAction.ENTER, "mallory", "x")), 40012);
        assertNothingChanged();
        assertTrue(alice.events("room").isEmpty());
    }

    @Test
    void oneBadItemRejectsTheWholeFrame() {
        Client alice = h.key("app.all", "alice");
        alice.attach("room");
        assertNack(alice.presence("room", item(PresenceAction.ENTER, null, "ok"), item(PresenceAction.ENTER, "bob", "bad")), 40012);
        assertNothingChanged();
    }

    @Test
    void wildcardClientMustNameAClientId() {
        Client server = h.key("app.all", null);
        server.attach("room");
        assertNack(server.enter("room", "x"), 40012);
        assertNothingChanged();
    }

    @Test
    void wildcardClientMayEnterAnyClientId() {
        Client server = h.key("app.all", null);
        server.attach("room");
        assertEquals(Action.ACK, server.presence("room", item(PresenceAction.ENTER, "dave", "d"),
                item(PresenceAction.ENTER, "erin", "e")).action());
        assertEquals(List.of("dave", "erin"), observer.events("room").stream().map(PresenceMessage::clientId).toList());
        assertEquals(2, h.presence().memberCount(PresenceHarness.key("room")));
    }

    @Test
    void wildcardTokenMayEnterAnyClientIdButNotWithout() {
        Client wild = h.token("wild");
        wild.attach("room");
        assertNack(wild.enter("room", null), 40012);
        assertEquals(Action.ACK, wild.presence("room", item(PresenceAction.ENTER, "dave", null)).action());
    }

    @Test
    void anonymousClientCannotEnterAtAll() {
        Client anon = h.token("anon");
        anon.attach("room");
        assertNack(anon.enter("room", "x"), 40012);
        assertNack(anon.presence("room", item(PresenceAction.ENTER, "someone", "x")), 40012);
        assertNothingChanged();
    }

    @Test
    void theWildcardIsNeverAClientId() {
        Client server = h.key("app.all", null);
        server.attach("room");
        assertNack(server.presence("room", item(PresenceAction.ENTER, "*", null)), 40012);
        assertNothingChanged();
    }

    @Test
    void identifiedClientCannotMakeSomeoneElseLeave() {
        Client bob = h.key("app.all", "bob");
        bob.attach("room");
        bob.enter("room", null);
        Client alice = h.key("app.all", "alice");
        alice.attach("room");
        assertNack(alice.presence("room", item(PresenceAction.LEAVE, "bob", null)), 40012);
        assertEquals(1, h.presence().memberCount(PresenceHarness.key("room")));
    }
}
