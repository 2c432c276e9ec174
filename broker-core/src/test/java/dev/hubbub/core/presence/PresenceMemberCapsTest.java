package dev.hubbub.core.presence;

import static dev.hubbub.core.presence.PresenceHarness.item;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.presence.PresenceHarness.Client;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Member caps: a channel holds at most maxMembersPerChannel members and a connection has at most
 * maxMembersPerConnection, all channels together; an ENTER or UPDATE that would add a member past either is NACKed
 * 91003 and changes nothing, so one wildcard connection cannot enter unbounded members.
 */
class PresenceMemberCapsTest {
    private final PresenceHarness h = new PresenceHarness(PresenceSettings.defaults().withMemberCaps(3, 3));

    private int members(String channel) { return h.presence().memberCount(PresenceHarness.key(channel)); }

    private static void assertFull(ProtocolMessage nack) {
        assertEquals(Action.NACK, nack.action(), nack::toString);
        assertEquals(91003, nack.error().code(), nack::toString);
        assertEquals(400, nack.error().statusCode());
    }

    private static void assertAcked(ProtocolMessage ack) { assertEquals(Action.ACK, ack.action(), ack::toString); }

    private Client attached(String clientId, String... channels) {
        Client c = clientId == null ? h.token("wild") : h.key("app.all", clientId);
        for (String ch : channels) {
            c.attach(ch);
        }
        return c;
    }

    @Test
    void theDefaultsAreTwentyThousandPerChannelAndAThousandPerConnection() {
        assertTrue(PresenceSettings.defaults().maxMembersPerChannel() >= 10_000);
        assertEquals(20_000, PresenceSettings.defaults().maxMembersPerChannel());
        assertEquals(1_000, PresenceSettings.defaults().maxMembersPerConnection());
    }

    @Test
    void aFullChannelRefusesNewMembersButNotTheOnesItHas() {
        Client a = attached("a", "room");
        Client b = attached("b", "room");
        Client c = attached("c", "room");
        Client d = attached("d", "room");
        assertAcked(a.enter("room", "1"));
        assertAcked(b.enter("room", "1"));
        assertAcked(c.enter("room", "1"));
        d.transport.clear();
        a.transport.clear();
        assertFull(d.enter("room", "1"));
        assertFull(d.presence("room", item(PresenceAction.UPDATE, null, "an update of a non-member enters it")));
        assertEquals(3, members("room"));
        assertTrue(a.events("room").isEmpty(), "a refused enter is told to nobody");
        assertAcked(a.presence("room", item(PresenceAction.UPDATE, null, "2"))); // a member may update when full
        assertAcked(a.enter("room", "3"));                                       // and enter again (an update)
        assertAcked(a.presence("room", item(PresenceAction.LEAVE, null, null)));
        assertAcked(d.enter("room", "1"));
        assertEquals(3, members("room"));
    }

    @Test
    void oneConnectionCannotEnterMoreThanItsCapAcrossChannels() {
        Client wild = attached(null, "one", "two", "three");
        assertAcked(wild.presence("one", item(PresenceAction.ENTER, "u1", null), item(PresenceAction.ENTER, "u2", null)));
        assertAcked(wild.presence("two", item(PresenceAction.ENTER, "u3", null)));
        assertFull(wild.presence("three", item(PresenceAction.ENTER, "u4", null)));
        assertFull(wild.presence("two", item(PresenceAction.UPDATE, "u5", null)));
        assertEquals(0, members("three"));
        assertEquals(1, members("two"));

        // others are not held back by it
        assertAcked(attached("x", "three").enter("three", null));

        // leaving makes room; a frame that leaves one and enters one at the cap passes
        assertAcked(wild.presence("one", item(PresenceAction.LEAVE, "u1", null), item(PresenceAction.ENTER, "u6", null)));
        assertEquals(2, members("one"));
        assertAcked(wild.presence("one", item(PresenceAction.LEAVE, "u2", null)));
        assertAcked(wild.presence("three", item(PresenceAction.ENTER, "u7", null)));
    }

    @Test
    void aFrameThatWouldPassACapIsRefusedWhole() {
        Client wild = attached(null, "room");
        assertAcked(wild.presence("room", item(PresenceAction.ENTER, "u1", null)));
        PresenceMessage[] three = {item(PresenceAction.ENTER, "u2", null), item(PresenceAction.ENTER, "u3", null),
                item(PresenceAction.ENTER, "u4", null)};
        assertFull(wild.presence("room", three));
        assertEquals(1, members("room"), "nothing of it was applied");
        // entering and leaving the same member within a frame peaks at one more
        assertAcked(wild.presence("room", item(PresenceAction.ENTER, "u2", null), item(PresenceAction.ENTER, "u3", null)));
        assertFull(wild.presence("room", item(PresenceAction.ENTER, "u4", null), item(PresenceAction.LEAVE, "u4", null)));
    }

    @Test
    void membersInTheirGracePeriodStillCountAndFreeTheirPlaceWhenTheyLeave() {
        Client a = attached("a", "room");
        Client b = attached("b", "room");
        Client c = attached("c", "room");
        assertAcked(a.enter("room", null));
        assertAcked(b.enter("room", null));
        assertAcked(c.enter("room", null));
        c.session.end(dev.hubbub.core.session.DisconnectReason.TRANSPORT_LOST, null);
        Client d = attached("d", "room");
        assertFull(d.enter("room", null));
        h.timers.advance(Duration.ofMillis(PresenceSettings.defaults().defaultGraceMillis()));
        assertEquals(2, members("room"));
        assertAcked(d.enter("room", null));
    }

    @Test
    void aClosedConnectionsMembersAreNoLongerCounted() {
        Client wild = attached(null, "room");
        assertAcked(wild.presence("room", item(PresenceAction.ENTER, "u1", null), item(PresenceAction.ENTER, "u2", null),
                item(PresenceAction.ENTER, "u3", null)));
        assertEquals(1, h.presence().tallyConnections());
        wild.close();
        assertEquals(0, members("room"));
        assertEquals(0, h.presence().tallyConnections(), "nothing is left over of a connection without members");
    }
}
