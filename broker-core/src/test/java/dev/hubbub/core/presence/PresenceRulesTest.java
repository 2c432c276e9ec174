package dev.hubbub.core.presence;

import static dev.hubbub.core.presence.PresenceHarness.item;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.presence.PresenceHarness.Client;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.ConnectRequest;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PRESENCE checks, the ACK, the member-set rules and who hears the events. */
class PresenceRulesTest {
    private PresenceHarness h;
    private Client alice;
    private Client observer;

    @BeforeEach
    void setUp() {
        h = new PresenceHarness();
        observer = h.key("app.all", "olivia");
        observer.attach("room");
        alice = h.key("app.all", "alice");
        alice.attach("room");
        observer.transport.clear();
        alice.transport.clear();
    }

    private int members() { return h.presence().memberCount(PresenceHarness.key("room")); }

    @Test
    void ackCarriesMsgSerialAndCount() {
        alice.enter("room", null); // msgSerial 0
        ProtocolMessage ack = alice.enter("room", "again");
        assertEquals(Action.ACK, ack.action());
        assertEquals(1L, ack.msgSerial());
        assertEquals(1, ack.count());
        assertNull(ack.error());
    }

    @Test
    void enterIsBroadcastWithIdClientIdConnectionIdTimestampAndData() {
        h.clock.advance(java.time.Duration.ofMillis(5));
        alice.presence("room", new PresenceMessage("client-chosen", PresenceAction.ENTER, null, null, "{\"mood\":\"ok\"}",
                "json", null, null));
        ProtocolMessage frame = observer.frames(Action.PRESENCE).get(0);
        assertEquals("room", frame.channel());
        assertEquals(alice.id() + ":0", frame.id());
        PresenceMessage p = frame.presence().get(0);
        assertEquals(PresenceAction.ENTER, p.action());
        assertEquals(alice.id() + ":0:0", p.id(), "server ids replace client ids");
        assertEquals("alice", p.clientId());
        assertEquals(alice.id(), p.connectionId());
        assertEquals(PresenceHarness.START + 5, p.timestamp());
        assertEquals("{\"mood\":\"ok\"}", p.data());
        assertEquals("json", p.encoding());
    }

    @Test
    void senderHearsItsOwnEvent() {
        alice.enter("room", "hi");
        List<PresenceMessage> own = alice.events("room");
        assertEquals(1, own.size());
        assertEquals("alice", own.get(0).clientId());
        // the event comes before the ACK, so the SDK lists its member when enter() completes
        List<ProtocolMessage> sent = alice.transport.frames();
        assertEquals(Action.PRESENCE, sent.get(0).action());
        assertEquals(Action.ACK, sent.get(1).action());
    }

    @Test
    void senderHearsItsOwnEventEvenWithoutPresenceSubscribeOrEcho() {
        Client quiet = h.connect(new ConnectRequest("app.all:secret", null, "quinn", "json", "2", false, null, null, "t", null));
        quiet.attach("room", Flags.MODE_PRESENCE);
        quiet.transport.clear();
        assertEquals(Action.ACK, quiet.enter("room", null).action());
        assertEquals(List.of("quinn"), quiet.events("room").stream().map(PresenceMessage::clientId).toList());
        alice.enter("room", null);
        assertEquals(1, quiet.events("room").size(), "others' events need PRESENCE_SUBSCRIBE");
    }

    @Test
    void connectionsWithoutPresenceSubscribeDoNotHearOthers() {
        Client lurker = h.key("app.all", "lurker");
        lurker.attach("room", Flags.MODE_SUBSCRIBE);
        lurker.transport.clear();
        alice.enter("room", null);
        assertTrue(lurker.events("room").isEmpty());
    }

    @Test
    void withoutPresenceCapabilityTheEnterIsRefused() {
        Client reader = h.key("app.nopresence", "rita");
        reader.attach("room");
        ProtocolMessage nack = reader.enter("room", null);
        assertEquals(Action.NACK, nack.action());
        assertEquals(40160, nack.error().code());
        assertEquals(401, nack.error().statusCode());
        assertEquals(0, members());
        assertTrue(observer.events("room").isEmpty());
    }

    @Test
    void attachedWithoutPresenceModeIsRefused() {
        Client sub = h.key("app.all", "sam");
        sub.attach("room", Flags.MODE_SUBSCRIBE | Flags.MODE_PRESENCE_SUBSCRIBE);
        ProtocolMessage nack = sub.enter("room", null);
        assertEquals(40165, nack.error().code());
        assertEquals(0, members());
    }

    @Test
    void notAttachedIsRefused() {
        ProtocolMessage nack = alice.enter("elsewhere", null);
        assertEquals(Action.NACK, nack.action());
        assertEquals(90001, nack.error().code());
        assertEquals(0, h.presence().memberCount(PresenceHarness.key("elsewhere")));
    }

    @Test
    void presentAndAbsentAreNotClientActions() {
        assertEquals(40000, alice.presence("room", item(PresenceAction.PRESENT, null, null)).error().code());
        assertEquals(0, members());
    }

    // Rule: presence data may not claim a server-side transform either (vcdiff encoding step, extras.delta): 40013.
    @Test
    void serverSideTransformsAreRefused() {
        ProtocolMessage nack = alice.presence("room", new PresenceMessage(null, PresenceAction.ENTER, null, null, "AAAA",
                "vcdiff/base64", null, null));
        assertEquals(Action.NACK, nack.action(), nack::toString);
        assertEquals(40013, nack.error().code(), nack::toString);
        var extras = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        extras.putObject("delta").put("from", "x").put("format", "vcdiff");
        nack = alice.presence("room", new PresenceMessage(null, PresenceAction.ENTER, null, null, "x", null, extras, null));
        assertEquals(40013, nack.error().code(), nack::toString);
        assertEquals(0, members());
        assertTrue(observer.frames(Action.PRESENCE).isEmpty());
    }

    @Test
    void oversizedDataIsRefused() {
        ProtocolMessage nack = alice.enter("room", "x".repeat(70_000));
        assertEquals(40009, nack.error().code());
        assertEquals(0, members());
    }

    // Rule: every field of a presence message counts toward maxMessageSize (40009), in UTF-8 bytes, as for messages:
    // id, clientId, encoding and extras as well as data. Each item has data just under the limit; the field pushes it over.
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"id", "clientId", "encoding", "extras"})
    void everyFieldCountsTowardTheSizeLimit(String field) {
        Client wildcard = h.token("wild");
        wildcard.attach("room");
        String data = "x".repeat(65_536 - 400);
        String big = "y".repeat(600);
        PresenceMessage item = switch (field) {
            case "id" -> new PresenceMessage(big, PresenceAction.ENTER, "bob", null, data, null, null, null);
            // 128 four-byte characters: 256 characters (the clientId limit), 512 bytes
            case "clientId" -> new PresenceMessage(null, PresenceAction.ENTER, "\uD83D\uDE00".repeat(128), null, data, null, null,
                    null);
            case "encoding" -> new PresenceMessage(null, PresenceAction.ENTER, "bob", null, data, big, null, null);
            case "extras" -> new PresenceMessage(null, PresenceAction.ENTER, "bob", null, data, null,
                    com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("headers", big), null);
            default -> throw new IllegalArgumentException(field);
        };
        ProtocolMessage nack = wildcard.presence("room", item);
        assertEquals(Action.NACK, nack.action(), nack::toString);
        assertEquals(40009, nack.error().code(), nack::toString);
        assertEquals(0, members());
        ProtocolMessage ack = wildcard.presence("room", new PresenceMessage(null, PresenceAction.ENTER, "bob", null, data, null,
                null, null));
        assertEquals(Action.ACK, ack.action(), "the same data without the large field fits: " + ack);
    }

    @Test
    void presenceWithoutMsgSerialIsAnError() {
        alice.session.handle(ProtocolMessage.presence(Action.PRESENCE, "room", null, null, null, null,
                List.of(item(PresenceAction.ENTER, null, null))));
        assertEquals(1, alice.frames(Action.ERROR).size());
        assertEquals(0, members());
    }

    @Test
    void enteringAgainIsToldAsUpdate() {
        alice.enter("room", "one");
        alice.enter("room", "two");
        List<PresenceMessage> seen = observer.events("room");
        assertEquals(List.of(PresenceAction.ENTER, PresenceAction.UPDATE), seen.stream().map(PresenceMessage::action).toList());
        assertEquals("two", seen.get(1).data());
        assertEquals(1, members());
        assertEquals("two", h.presence().members(PresenceHarness.key("room"), null, null, 10).get(0).data());
    }

    @Test
    void updateOfANonMemberEntersIt() {
        alice.presence("room", item(PresenceAction.UPDATE, null, "u"));
        assertEquals(PresenceAction.ENTER, observer.events("room").get(0).action());
        assertEquals(1, members());
    }

    @Test
    void leaveOfANonMemberIsAckedAndIgnored() {
        ProtocolMessage ack = alice.presence("room", item(PresenceAction.LEAVE, null, null));
        assertEquals(Action.ACK, ack.action());
        assertTrue(observer.events("room").isEmpty());
        assertEquals(0, h.presence().channelCount());
    }

    @Test
    void leaveRemovesTheMemberAndCarriesItsLastDataWhenGivenNone() {
        alice.enter("room", "here");
        alice.presence("room", item(PresenceAction.LEAVE, null, null));
        PresenceMessage leave = observer.events("room").get(1);
        assertEquals(PresenceAction.LEAVE, leave.action());
        assertEquals(alice.id() + ":1:0", leave.id());
        assertEquals("here", leave.data());
        assertEquals(0, members());
        assertEquals(0, h.presence().channelCount(), "an empty set is dropped");
    }

    @Test
    void oneClientIdOnTwoConnectionsIsTwoMembers() {
        Client alice2 = h.key("app.all", "alice");
        alice2.attach("room");
        alice.enter("room", "laptop");
        alice2.enter("room", "phone");
        assertEquals(2, members());
        alice.presence("room", item(PresenceAction.LEAVE, null, null));
        assertEquals(1, members());
        assertEquals(alice2.id(), h.presence().members(PresenceHarness.key("room"), "alice", null, 10).get(0).connectionId());
    }

    @Test
    void batchItemsGetConsecutiveIndexes() {
        Client server = h.key("app.all", null);
        server.attach("room");
        server.presence("room", item(PresenceAction.ENTER, "a", null), item(PresenceAction.ENTER, "b", null));
        List<PresenceMessage> seen = observer.events("room");
        assertEquals(List.of(server.id() + ":0:0", server.id() + ":0:1"), seen.stream().map(PresenceMessage::id).toList());
    }

    @Test
    void restQueryFiltersAndLimits() {
        Client server = h.key("app.all", null);
        server.attach("room");
        server.presence("room", item(PresenceAction.ENTER, "a", null), item(PresenceAction.ENTER, "b", null),
                item(PresenceAction.ENTER, "c", null));
        alice.enter("room", null);
        var key = PresenceHarness.key("room");
        assertEquals(4, h.presence().members(key, null, null, 100).size());
        assertEquals(2, h.presence().members(key, null, null, 2).size());
        assertEquals(3, h.presence().members(key, null, server.id(), 100).size());
        assertEquals(List.of("b"), h.presence().members(key, "b", null, 100).stream().map(PresenceMessage::clientId).toList());
        assertTrue(h.presence().members(key, "b", alice.id(), 100).isEmpty());
        assertTrue(h.presence().members(key, null, null, 100).stream().allMatch(p -> p.action() == PresenceAction.PRESENT));
    }
}
