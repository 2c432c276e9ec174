package dev.hubbub.core.presence;

import static dev.hubbub.core.presence.PresenceHarness.item;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.presence.PresenceHarness.Client;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.session.DisconnectReason;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.ConnectRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Members leave on DETACH and CLOSE at once, after a grace period when the transport drops. */
class PresenceLeavingTest {
    private PresenceHarness h;
    private Client observer;
    private Client alice;

    @BeforeEach
    void setUp() {
        h = new PresenceHarness();
        observer = h.key("app.all", "olivia");
        observer.attach("room");
        alice = h.key("app.all", "alice");
        alice.attach("room");
        assertEquals(Action.ACK, alice.enter("room", "here").action());
        observer.transport.clear();
    }

    private int members() { return h.presence().memberCount(PresenceHarness.key("room")); }

    private void assertSyntheticLeave(PresenceMessage leave, String connectionId) {
        assertEquals(PresenceAction.LEAVE, leave.action());
        assertEquals("alice", leave.clientId());
        assertEquals(connectionId, leave.connectionId());
        assertFalse(leave.id().startsWith(connectionId), "clients must compare a synthetic leave by timestamp: " + leave.id());
        assertTrue(leave.timestamp() > PresenceHarness.START, "strictly after the member's last event");
        assertEquals("here", leave.data(), "a synthetic leave carries the member's last data");
    }

    @Test
    void detachRemovesTheMembersAtOnce() {
        alice.detach("room");
        List<PresenceMessage> seen = observer.events("room");
        assertEquals(1, seen.size());
        assertSyntheticLeave(seen.get(0), alice.id());
        assertEquals(0, members());
    }

    @Test
    void closeRemovesTheMembersAtOnce() {
        alice.close();
        assertSyntheticLeave(observer.events("room").get(0), alice.id());
        assertEquals(0, members());
        assertEquals(0, h.timers.pending(), "nothing left to expire");
    }

    @Test
    void aDroppedConnectionsMembersStayForTheGracePeriod() {
        alice.session.end(DisconnectReason.TRANSPORT_LOST, null);
        assertTrue(observer.events("room").isEmpty());
        assertEquals(1, members());
        h.timers.advance(Duration.ofMillis(14_999));
        assertTrue(observer.events("room").isEmpty(), "not before 15 s");
        h.timers.advance(Duration.ofMillis(1));
        List<PresenceMessage> seen = observer.events("room");
        assertEquals(1, seen.size());
        assertSyntheticLeave(seen.get(0), alice.id());
        assertEquals(PresenceHarness.START + 15_000, seen.get(0).timestamp());
        assertEquals(0, members());
        assertEquals(0, h.presence().channelCount());
    }

    @Test
    void clientDisconnectIsTreatedLikeADrop() {
        alice.session.handle(ProtocolMessage.of(Action.DISCONNECT));
        assertEquals(1, members());
        h.timers.advance(Duration.ofSeconds(15));
        assertEquals(0, members());
    }

    @Test
    void remainPresentForSetsTheGracePeriod() {
        Client bob = h.connect(new ConnectRequest("app.all:secret", null, "bob", "json", "2", true, null, null, "t", 3_000L));
        bob.attach("room");
        bob.enter("room", null);
        bob.session.end(DisconnectReason.TRANSPORT_LOST, null);
        h.timers.advance(Duration.ofMillis(2_999));
        assertEquals(2, members());
        h.timers.advance(Duration.ofMillis(1));
        assertEquals(1, members());
    }

    @Test
    void remainPresentForIsClamped() {
        PresenceSettings s = PresenceSettings.defaults();
        assertEquals(15_000, s.graceFor(null));
        assertEquals(1_000, s.graceFor(10L));
        assertEquals(60_000, s.graceFor(3_600_000L));
        assertEquals(5_000, s.graceFor(5_000L));
    }

    @Test
    void membersInTheirGracePeriodOutliveTheChannel() {
        observer.detach("room");
        alice.session.end(DisconnectReason.TRANSPORT_LOST, null);
        assertNull(h.router.find(PresenceHarness.key("room")), "nobody is attached any more");
        Client late = h.key("app.all", "late");
        List<ProtocolMessage> frames = late.attach("room");
        assertTrue(Flags.has(frames.get(0).flagsOrZero(), Flags.HAS_PRESENCE));
        assertEquals("alice", frames.get(1).presence().get(0).clientId());
        h.timers.advance(Duration.ofSeconds(15));
        assertSyntheticLeave(late.events("room").get(0), alice.id());
    }

    @Test
    void reEnteringWithinTheGracePeriodEmitsNoLeave() {
        // a connection that comes back (resume) re-enters as the same member
        String conn = alice.id();
        alice.session.end(DisconnectReason.TRANSPORT_LOST, null);
        h.timers.advance(Duration.ofSeconds(10));
        var again = h.presence().handle("conn=" + conn, conn, alice.session.principal(), ProtocolMessage.presence(
                Action.PRESENCE, "room", null, null, null, null, List.of(item(PresenceAction.ENTER, null, "back"))),
                Flags.DEFAULT_MODES).toCompletableFuture().join();
        assertTrue(again.isOk());
        h.timers.advance(Duration.ofSeconds(60));
        List<PresenceMessage> seen = observer.events("room");
        assertEquals(List.of(PresenceAction.UPDATE), seen.stream().map(PresenceMessage::action).toList());
        assertEquals(1, members());
    }

    @Test
    void aResumedConnectionKeepsItsMembersSilently() {
        alice.session.end(DisconnectReason.TRANSPORT_LOST, null);
        h.presence().connectionResumed(PresenceHarness.key("room"), alice.id());
        h.timers.advance(Duration.ofSeconds(60));
        assertTrue(observer.events("room").isEmpty());
        assertEquals(1, members());
    }

    @Test
    void expiredCredentialsRemoveTheMembersAtOnce() {
        Client eve = h.token("eve-60s");
        eve.attach("room");
        assertEquals(Action.ACK, eve.enter("room", null).action());
        assertEquals(2, members());
        h.timers.advance(Duration.ofSeconds(60));
        assertTrue(eve.session.isClosed());
        assertEquals(1, members(), "eve left with her token, without a grace period");
        assertEquals(List.of("eve", "eve"), observer.events("room").stream().map(PresenceMessage::clientId).toList());
    }

    @Test
    void onlyTheDroppedConnectionsMembersLeave() {
        Client server = h.key("app.all", null);
        server.attach("room");
        server.presence("room", item(PresenceAction.ENTER, "a", null), item(PresenceAction.ENTER, "b", null));
        observer.transport.clear();
        alice.session.end(DisconnectReason.TRANSPORT_LOST, null);
        server.detach("room");
        assertEquals(List.of("a", "b"), observer.events("room").stream().map(PresenceMessage::clientId).toList());
        assertEquals(1, members());
        h.timers.advance(Duration.ofSeconds(15));
        assertEquals(0, members());
    }
}
