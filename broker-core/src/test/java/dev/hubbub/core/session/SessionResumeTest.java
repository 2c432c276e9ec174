package dev.hubbub.core.session;

import static dev.hubbub.testkit.Frames.attach;
import static dev.hubbub.testkit.Frames.data;
import static dev.hubbub.testkit.Frames.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.ManualTimers;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Resume (RTN15) and recover (RTN16) in core: the same connection comes back on a new transport
 * within connectionStateTtl, with its identity, its presence members and every message it missed,
 * once; anyone else, or anything later, gets a new connection and an error.
 */
class SessionResumeTest {
    private static final String FULL = "app1.full:secret1";
    private static final String OTHER_APP = "app2.full:secret3";

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final ManualTimers timers = new ManualTimers(clock);
    private final TestCore core = TestCore.builder()
            .key(new ApiKey("app1.full", "secret1", Capability.ALL))
            .key(new ApiKey("app2.full", "secret3", Capability.ALL))
            .clock(clock).timers(timers).build();

    private static ProtocolMessage enter(String channel, long msgSerial) {
        return new ProtocolMessage(Action.PRESENCE, null, channel, null, null, null, null, null, null, msgSerial, null,
                List.of(new PresenceMessage(null, PresenceAction.ENTER, null, null, "here", null, null, null)), null, null, null,
                null);
    }

    /** The channelSerial the client holds: the last one it was sent on the channel (RTL15b). */
    private static String lastSerial(RecordingTransport out, String channel) {
        String serial = null;
        for (ProtocolMessage m : out.frames()) {
            if (channel.equals(m.channel()) && m.channelSerial() != null) {
                serial = m.channelSerial();
            }
        }
        return serial;
    }

    @Test
    void aDroppedConnectionResumesWithItsIdItsMembersAndEveryMessageItMissedOnce() {
        TestClient watcher = core.connect(FULL, "watcher", null, null);
        watcher.send(attach("room", null));
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.send(attach("room", null));
        alice.send(enter("room", 0));
        TestClient publisher = core.connect(FULL, "pub", null, null);
        publisher.send(publish("room", 0, "before"));
        String held = lastSerial(alice.out(), "room");
        assertEquals(List.of("before"), data(alice.out()));

        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        publisher.send(publish("room", 1, "missed-1"));
        publisher.send(publish("room", 2, "missed-2"));
        clock.advance(Duration.ofSeconds(10));
        timers.runDue();

        TestClient back = core.connect(FULL, "alice", alice.key(), null);
        assertEquals(alice.id(), back.id(), "same connectionId");
        assertNull(back.connected().error(), "no error: continuity kept");
        assertNotEquals(alice.key(), back.key(), "a new key for next time");
        back.send(attach("room", held));
        ProtocolMessage attached = back.out().only(Action.ATTACHED);
        assertTrue((attached.flagsOrZero() & Flags.RESUMED) != 0, "RESUMED");
        assertEquals(List.of("missed-1", "missed-2"), data(back.out()), "every missed message, in order, after ATTACHED");
        int attachedAt = back.out().frames().indexOf(attached);
        assertTrue(back.out().frames().subList(0, attachedAt).stream().noneMatch(m -> m.action() == Action.MESSAGE));

        publisher.send(publish("room", 3, "live"));
        assertEquals(List.of("missed-1", "missed-2", "live"), data(back.out()), "then live, nothing twice");

        back.send(enter("room", 1)); // RTP17i: the SDK enters its own member again after the ATTACHED
        assertEquals(1L, back.out().frames(Action.ACK).get(back.out().frames(Action.ACK).size() - 1).msgSerial());
        assertTrue(watcher.out().frames(Action.PRESENCE).stream().flatMap(m -> m.presence().stream())
                .noneMatch(p -> p.action() == PresenceAction.UPDATE), "re-entering as it was tells nobody anything");

        clock.advance(Duration.ofSeconds(30)); // past the grace period the member would have had
        timers.runDue();
        assertEquals(1, core.presence.memberCount(new ChannelKey("app1", "room")), "the member stayed");
        assertTrue(watcher.out().frames(Action.PRESENCE).stream().flatMap(m -> m.presence().stream())
                .noneMatch(p -> p.action() == PresenceAction.LEAVE), "others saw no LEAVE");
    }

    @Test
    void aPublishResentAfterTheResumeWithTheSameMsgSerialIsAckedButNotDeliveredAgain() {
        TestClient sub = core.connect(FULL, "sub", null, null);
        sub.send(attach("room", null));
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.send(publish("room", 5, "once"));
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null); // the ACK may not have reached it
        TestClient back = core.connect(FULL, "alice", alice.key(), null);
        back.send(publish("room", 5, "once")); // RTN19a: un-ACKed messages go again with their msgSerial
        ProtocolMessage ack = back.out().only(Action.ACK);
        assertEquals(5L, ack.msgSerial());
        assertEquals(List.of("once"), data(sub.out()), "delivered once");
        back.send(publish("room", 6, "next"));
        assertEquals(List.of("once", "next"), data(sub.out()));
    }

    @Test
    void recoverFromANewInstanceWorksLikeResume() {
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        TestClient recovered = core.connect(FULL, "alice", null, alice.key());
        assertEquals(alice.id(), recovered.id());
        assertNull(recovered.connected().error());
    }

    @Test
    void afterConnectionStateTtlTheStateIsGoneNewIdAnd80008() {
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        clock.advance(Duration.ofMillis(core.limits.connectionStateTtl()));
        TestClient late = core.connect(FULL, "alice", alice.key(), null);
        assertNotEquals(alice.id(), late.id());
        assertEquals(80008, late.connected().error().code());
    }

    @Test
    void aClosedConnectionCannotBeResumed() {
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.send(ProtocolMessage.of(Action.CLOSE));
        TestClient again = core.connect(FULL, "alice", alice.key(), null);
        assertNotEquals(alice.id(), again.id());
        assertEquals(80008, again.connected().error().code());
    }

    @Test
    void aStolenKeyWithAnotherIdentityOrAppGetsAFreshConnectionNotTheOldOne() {
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.send(attach("room", null));
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);

        TestClient mallory = core.connect(FULL, "mallory", alice.key(), null);
        assertNotEquals(alice.id(), mallory.id(), "never another user's connection");
        assertEquals(80011, mallory.connected().error().code());
        assertEquals("mallory", mallory.connected().connectionDetails().clientId());
        TestClient wildcard = core.connect(FULL, null, alice.key(), null);
        assertNotEquals(alice.id(), wildcard.id(), "a wildcard connection does not become alice");
        TestClient otherApp = core.connect(OTHER_APP, "alice", alice.key(), null);
        assertNotEquals(alice.id(), otherApp.id(), "nor another app's");

        TestClient alice2 = core.connect(FULL, "alice", alice.key(), null);
        assertEquals(alice.id(), alice2.id(), "the failed attempts did not use the key up");
        TestClient twice = core.connect(FULL, "alice", alice.key(), null);
        assertNotEquals(alice.id(), twice.id(), "a key works once");
    }

    @Test
    void aResumeSupersedesAnOldTransportTheBrokerStillThinksIsOpen() {
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.send(attach("room", null));
        alice.send(enter("room", 0));
        TestClient back = core.connect(FULL, "alice", alice.key(), null);
        assertEquals(alice.id(), back.id());
        alice.out().runScheduled(); // the old session's own thread closes it
        assertTrue(alice.out().isClosed(), "the old transport is closed");
        assertNull(alice.out().closedWith(), "without a frame: the client is on its new transport");
        back.send(attach("room", null));
        clock.advance(Duration.ofMinutes(1));
        timers.runDue();
        assertEquals(1, core.presence.memberCount(new ChannelKey("app1", "room")), "the member belongs to the resumed connection");
        assertEquals(1, core.metrics.connections(), "one connection");
    }

    @Test
    void aSerialFromAnotherEpochIsADiscontinuityNotAPosition() {
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.send(attach("room", "someoneelse:0000000000005"));
        ProtocolMessage attached = alice.out().only(Action.ATTACHED);
        assertEquals(0, attached.flagsOrZero() & Flags.RESUMED, "not RESUMED");
        assertEquals(90003, attached.error().code());
        assertTrue(alice.out().frames(Action.MESSAGE).isEmpty());
    }

    @Test
    void rewindGivesTheLastMessagesAfterAttachedAndABadValueFailsTheAttach() {
        TestClient publisher = core.connect(FULL, "pub", null, null);
        for (int i = 0; i < 5; i++) {
            publisher.send(publish("room", i, "m" + i));
        }
        TestClient late = core.connect(FULL, "late", null, null);
        late.send(new ProtocolMessage(Action.ATTACH, null, "room", null, null, null, null, null, null, null, null, null, null,
                null, Map.of("rewind", "2"), null));
        assertEquals(List.of("m3", "m4"), data(late.out()));
        assertEquals(Map.of("rewind", "2"), late.out().only(Action.ATTACHED).params());

        TestClient bad = core.connect(FULL, "bad", null, null);
        bad.send(new ProtocolMessage(Action.ATTACH, null, "room", null, null, null, null, null, null, null, null, null, null,
                null, Map.of("rewind", "ten"), null));
        ProtocolMessage error = bad.out().only(Action.ERROR);
        assertEquals("room", error.channel());
        assertEquals(40003, error.error().code());
        assertTrue(bad.out().frames(Action.ATTACHED).isEmpty());
    }

    @Test
    void aQualifiedNameRewindsAndCarriesTheQualifiedNameOnEveryFrameOfThatSubscription() {
        TestClient publisher = core.connect(FULL, "pub", null, null);
        for (int i = 0; i < 4; i++) {
            publisher.send(publish("room", i, "m" + i));
        }
        TestClient plain = core.connect(FULL, "plain", null, null);
        plain.send(attach("room", null));
        TestClient q = core.connect(FULL, "q", null, null);
        q.send(attach("[?rewind=2]room", null));
        ProtocolMessage attached = q.out().only(Action.ATTACHED);
        assertEquals("[?rewind=2]room", attached.channel());
        assertEquals(Map.of("rewind", "2"), attached.params());
        assertEquals(List.of("m2", "m3"), data(q.out()));

        publisher.send(publish("room", 4, "live"));
        q.send(publish("[?rewind=2]room", 0, "from-q")); // a qualified name publishes to the channel itself
        assertEquals(List.of("m2", "m3", "live", "from-q"), data(q.out()));
        assertTrue(q.out().frames(Action.MESSAGE).stream().allMatch(m -> m.channel().equals("[?rewind=2]room")),
                "every frame of the subscription under its qualified name");
        assertEquals(List.of("live", "from-q"), data(plain.out()));
        assertTrue(plain.out().frames(Action.MESSAGE).stream().allMatch(m -> m.channel().equals("room")));

        q.send(new ProtocolMessage(Action.DETACH, null, "[?rewind=2]room", null, null, null, null, null, null, null, null, null,
                null, null, null, null));
        publisher.send(publish("room", 5, "after-detach"));
        assertEquals(List.of("m2", "m3", "live", "from-q"), data(q.out()), "detached by its qualified name");
    }

    @Test
    void aReAttachOnTheSameTransportReplaysNothingItAlreadyHas() {
        TestClient publisher = core.connect(FULL, "pub", null, null);
        TestClient sub = core.connect(FULL, "sub", null, null);
        sub.send(attach("room", null));
        String early = lastSerial(sub.out(), "room");
        publisher.send(publish("room", 0, "a"));
        publisher.send(publish("room", 1, "b"));
        sub.send(attach("room", early)); // a stale serial: the messages after it are already on their way
        assertEquals(List.of("a", "b"), data(sub.out()), "nothing twice");
        ProtocolMessage second = sub.out().frames(Action.ATTACHED).get(1);
        assertTrue((second.flagsOrZero() & Flags.RESUMED) != 0, "continuity was never broken");
    }

    @Test
    void aResendAfterALateResumeIsStillNotPublishedTwiceHoweverLongTheIdsWereKept() {
        TestCore shortIds = TestCore.builder().key(new ApiKey("app1.full", "secret1", Capability.ALL)).clock(clock).timers(timers)
                .retention(new dev.hubbub.core.history.Retention(120_000, 100, 1L << 20, 1L << 28, 1_000)).build();
        RecordingTransport subOut = new RecordingTransport();
        Session sub = shortIds.connector.connect(new ConnectRequest(FULL, null, "sub", "json", "6", true, null, null, "t"), subOut);
        sub.handle(attach("room", null));
        RecordingTransport aliceOut = new RecordingTransport();
        Session alice = shortIds.connector.connect(new ConnectRequest(FULL, null, "alice", "json", "6", true, null, null, "t"), aliceOut);
        alice.handle(publish("room", 5, "once"));
        String key = aliceOut.frames(Action.CONNECTED).get(0).connectionDetails().connectionKey();
        alice.end(DisconnectReason.TRANSPORT_LOST, null);
        clock.advance(Duration.ofSeconds(100)); // long past the 1 s id window, within connectionStateTtl

        RecordingTransport backOut = new RecordingTransport();
        Session back = shortIds.connector.connect(new ConnectRequest(FULL, null, "alice", "json", "6", true, key, null, "t"), backOut);
        assertEquals(alice.connectionId(), back.connectionId());
        back.handle(publish("room", 5, "once"));
        assertEquals(5L, backOut.only(Action.ACK).msgSerial(), "the resend is ACKed");
        assertEquals(List.of("once"), data(subOut), "and not published again");
    }

    @Test
    void anOldSessionThatEndsOnItsOwnWhileBeingTakenOverLeavesTheResumedConnectionItsMembersAndItsKeyUnusable() {
        TestClient watcher = core.connect(FULL, "watcher", null, null);
        watcher.send(attach("room", null));
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.send(attach("room", null));
        alice.send(enter("room", 0));
        TestClient back = core.connect(FULL, "alice", alice.key(), null); // the old transport still looks open
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null); // ...and its own loop ends it before the takeover task runs
        alice.out().runScheduled(); // then the takeover task
        clock.advance(Duration.ofMinutes(1));
        timers.runDue();
        assertEquals(1, core.presence.memberCount(new ChannelKey("app1", "room")), "the member stays with the resumed connection");
        assertTrue(watcher.out().frames(Action.PRESENCE).stream().flatMap(m -> m.presence().stream())
                .noneMatch(p -> p.action() == PresenceAction.LEAVE));
        TestClient again = core.connect(FULL, "alice", alice.key(), null);
        assertNotEquals(back.id(), again.id(), "the old key was not put back when the old session ended");
    }

    @Test
    void detachingAQualifiedNameLeavesThePresenceOfThePlainAttachment() {
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.send(attach("room", null));
        alice.send(attach("[?rewind=1]room", null));
        alice.send(enter("room", 0));
        alice.send(new ProtocolMessage(Action.DETACH, null, "[?rewind=1]room", null, null, null, null, null, null, null, null, null,
                null, null, null, null));
        assertEquals(1, core.presence.memberCount(new ChannelKey("app1", "room")), "still attached as room: still present");
    }
}
