package dev.hubbub.core.presence;

import static dev.hubbub.core.presence.PresenceHarness.item;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.presence.PresenceHarness.Client;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.DisconnectReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code presenceBy=clientId}: a subscription that sees one member per clientId, next to one with
 * the standard per-connection view on the same channel.
 */
class PresenceByClientIdTest {
    private static final Map<String, String> BY_CLIENT = Map.of("presenceBy", "clientId");
    private static final String ALICE = PersonView.standIn("alice");

    private PresenceHarness h;
    private Client viewer;
    private Client watcher;
    private Client alice1;
    private Client alice2;

    @BeforeEach
    void setUp() {
        h = new PresenceHarness();
        viewer = h.key("app.all", "vera");
        watcher = h.key("app.all", "walt");
        alice1 = h.key("app.all", "alice");
        alice2 = h.key("app.all", "alice");
        List<ProtocolMessage> attached = viewer.attachWith("room", BY_CLIENT);
        assertEquals(Action.ATTACHED, attached.get(0).action(), attached::toString);
        assertEquals(Map.of("presenceBy", "clientId"), attached.get(0).params(), "the param is echoed: the broker honours it");
        watcher.attach("room");
        alice1.attach("room");
        alice2.attach("room");
    }

    private void enter(Client c, String data) { assertEquals(Action.ACK, c.enter("room", data).action()); }

    private void update(Client c, String data) {
        assertEquals(Action.ACK, c.presence("room", item(PresenceAction.UPDATE, null, data)).action());
    }

    private static void assertPerson(PresenceMessage p, PresenceAction action, String data) {
        assertEquals(action, p.action(), p::toString);
        assertEquals("alice", p.clientId());
        assertEquals(ALICE, p.connectionId(), "one stable member key for the person");
        assertEquals(data, p.data());
        assertFalse(p.id().startsWith(p.connectionId()), "the SDKs must order a person's events by timestamp: " + p.id());
    }

    private static void assertNewer(List<PresenceMessage> events) {
        for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i).timestamp() > events.get(i - 1).timestamp(), "strictly newer, else ably-java drops it: " + events);
        }
    }

    // Rule: a channel nobody watches per person keeps no per-person view (no cost to its presence);
    // one that is watched keeps it across its set being emptied and made again.
    @Test
    void onlyAChannelWatchedPerPersonKeepsThatView() {
        watcher.attach("lobby");
        alice1.attach("lobby");
        enter(alice1, "phone");
        assertEquals(Action.ACK, alice1.enter("lobby", "here").action());
        assertFalse(h.presence().keepsPersonView(PresenceHarness.key("lobby")), "nobody sees lobby per person");
        assertTrue(h.presence().keepsPersonView(PresenceHarness.key("room")), "vera sees room per person");

        alice1.presence("room", item(PresenceAction.LEAVE, null, null)); // room's set empties and goes
        viewer.transport.clear();
        enter(alice2, "laptop"); // a new set for room: vera still hears of it
        List<PresenceMessage> seen = viewer.events("room");
        assertEquals(1, seen.size(), seen::toString);
        assertPerson(seen.get(0), PresenceAction.ENTER, "laptop");

        viewer.detach("room"); // the last per-person subscription goes: the view goes with the next change
        update(alice2, "laptop, away");
        assertFalse(h.presence().keepsPersonView(PresenceHarness.key("room")), "nobody sees room per person any more");
        viewer.transport.clear();
        viewer.attachWith("room", BY_CLIENT); // back: the view starts again from the set, at the SYNC
        assertTrue(h.presence().keepsPersonView(PresenceHarness.key("room")));
        h.clock.advance(Duration.ofMillis(5));
        update(alice2, "laptop, back");
        List<PresenceMessage> again = viewer.events("room");
        assertEquals("laptop, back", again.get(again.size() - 1).data(), again::toString);
        assertPerson(again.get(again.size() - 1), PresenceAction.UPDATE, "laptop, back");
    }

    @Test
    void twoConnectionsEnterAsOnePersonAndTheLatestDataIsTold() {
        enter(alice1, "phone");
        enter(alice2, "laptop"); // same millisecond on the manual clock
        List<PresenceMessage> seen = viewer.events("room");
        assertEquals(2, seen.size(), seen::toString);
        assertPerson(seen.get(0), PresenceAction.ENTER, "phone");
        assertPerson(seen.get(1), PresenceAction.UPDATE, "laptop");
        assertNewer(seen);

        List<PresenceMessage> standard = watcher.events("room");
        assertEquals(List.of(PresenceAction.ENTER, PresenceAction.ENTER), standard.stream().map(PresenceMessage::action).toList());
        assertEquals(List.of(alice1.id(), alice2.id()), standard.stream().map(PresenceMessage::connectionId).toList(),
                "the standard view stays per connection");
    }

    @Test
    void anUpdateOfEitherConnectionIsTheLatestData() {
        enter(alice1, "phone");
        enter(alice2, "laptop");
        viewer.transport.clear();
        h.clock.advance(Duration.ofMillis(5));
        update(alice1, "phone, typing");
        List<PresenceMessage> seen = viewer.events("room");
        assertEquals(1, seen.size(), seen::toString);
        assertPerson(seen.get(0), PresenceAction.UPDATE, "phone, typing");
    }

    @Test
    void aSecondConnectionWithTheSameDataTellsNothing() {
        enter(alice1, "here");
        viewer.transport.clear();
        enter(alice2, "here");
        assertTrue(viewer.events("room").isEmpty(), viewer.events("room")::toString);
        assertEquals(1, watcher.events("room").stream().filter(p -> p.connectionId().equals(alice2.id())).count());
    }

    @Test
    void oneOfTwoConnectionsLeavingIsNoLeaveAndTheLastOneIs() {
        enter(alice1, "phone");
        enter(alice2, "laptop");
        viewer.transport.clear();
        alice2.detach("room");
        List<PresenceMessage> seen = viewer.events("room");
        assertEquals(1, seen.size(), seen::toString);
        assertPerson(seen.get(0), PresenceAction.UPDATE, "phone"); // the latest data is the phone's again

        alice1.presence("room", item(PresenceAction.LEAVE, null, null));
        seen = viewer.events("room");
        assertEquals(2, seen.size(), seen::toString);
        assertPerson(seen.get(1), PresenceAction.LEAVE, "phone");
        assertNewer(seen);
        assertEquals(2, watcher.events("room").stream().filter(p -> p.action() == PresenceAction.LEAVE).count(),
                "the standard view sees each connection leave");
        assertEquals(0, h.presence().channelCount(), "nothing kept once everyone left");
    }

    @Test
    void theLastConnectionLeavesAfterItsGracePeriod() {
        enter(alice1, "phone");
        enter(alice2, "laptop");
        alice1.close();
        alice2.session.end(DisconnectReason.TRANSPORT_LOST, null);
        viewer.transport.clear();
        h.timers.advance(Duration.ofMillis(14_999));
        assertTrue(viewer.events("room").isEmpty(), "alice is still present from the dropped connection");
        h.timers.advance(Duration.ofMillis(1));
        List<PresenceMessage> seen = viewer.events("room");
        assertEquals(1, seen.size(), seen::toString);
        assertPerson(seen.get(0), PresenceAction.LEAVE, "laptop");
        assertEquals(PresenceHarness.START + 15_000, seen.get(0).timestamp());
    }

    @Test
    void aSyncListsEachClientIdOnce() {
        enter(alice1, "phone");
        enter(alice2, "laptop");
        Client bob = h.key("app.all", "bob");
        bob.attach("room");
        enter(bob, "desk");

        Client late = h.key("app.all", "lena");
        List<ProtocolMessage> frames = late.attachWith("room", BY_CLIENT);
        assertTrue((frames.get(0).flagsOrZero() & Flags.HAS_PRESENCE) != 0);
        List<PresenceMessage> synced = frames.stream().filter(f -> f.action() == Action.SYNC)
                .flatMap(f -> f.presence().stream()).toList();
        assertEquals(2, synced.size(), synced::toString);
        assertPerson(synced.get(0), PresenceAction.PRESENT, "laptop");
        assertEquals(PersonView.standIn("bob"), synced.get(1).connectionId());

        List<PresenceMessage> requested = late.requestSync("room").stream().flatMap(f -> f.presence().stream()).toList();
        assertEquals(synced, requested, "a SYNC the client asks for is in its view too");
        assertEquals(3, watcher.requestSync("room").stream().mapToInt(f -> f.presence().size()).sum(),
                "the standard view lists each connection");
    }

    @Test
    void aSyncAfterOneOfTwoLeftStillListsThePerson() {
        enter(alice1, "phone");
        enter(alice2, "laptop");
        alice2.detach("room");
        List<PresenceMessage> synced = viewer.requestSync("room").stream().flatMap(f -> f.presence().stream()).toList();
        assertEquals(1, synced.size(), synced::toString);
        assertPerson(synced.get(0), PresenceAction.PRESENT, "phone");
    }

    @Test
    void reattachingWithTheStandardViewSwitchesBack() {
        enter(alice1, "phone");
        enter(alice2, "laptop");
        List<ProtocolMessage> frames = viewer.attachWith("room", Map.of("presenceBy", "connectionId"));
        assertEquals(Map.of("presenceBy", "connectionId"), frames.get(0).params());
        assertEquals(2, frames.stream().filter(f -> f.action() == Action.SYNC).mapToInt(f -> f.presence().size()).sum());
        viewer.transport.clear();
        update(alice1, "phone, typing");
        assertEquals(alice1.id(), viewer.events("room").get(0).connectionId());
    }

    @Test
    void anUnknownValueIsRefused() {
        Client c = h.key("app.all", "carl");
        List<ProtocolMessage> frames = c.attachWith("room", Map.of("presenceBy", "device"));
        assertEquals(1, frames.size(), frames::toString);
        assertEquals(Action.ERROR, frames.get(0).action());
        assertEquals("room", frames.get(0).channel());
        assertEquals(ErrorCode.INVALID_PARAMETER.code(), frames.get(0).error().code());
        assertTrue(frames.get(0).error().message().contains("presenceBy"), frames.get(0).error()::message);
        enter(alice1, "phone");
        assertTrue(c.events("room").isEmpty(), "not attached");
    }

    @Test
    void withoutTheParamNothingIsEchoed() {
        Client c = h.key("app.all", "carl");
        assertNull(c.attach("room").get(0).params());
    }

    @Test
    void theStandInIsStableAndNeverARealConnectionId() {
        assertEquals(ALICE, PersonView.standIn("alice"));
        assertNotEquals(ALICE, PersonView.standIn("alicf"));
        assertFalse(ALICE.contains(":"));
        assertNotEquals(alice1.id().length(), ALICE.length());
    }
}
