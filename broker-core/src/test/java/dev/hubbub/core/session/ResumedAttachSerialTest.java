package dev.hubbub.core.session;

import static dev.hubbub.testkit.Frames.attach;
import static dev.hubbub.testkit.Frames.data;
import static dev.hubbub.testkit.Frames.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.ManualTimers;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The channelSerial of a RESUMED ATTACHED, as the SDKs use it. ably-js and ably-java store the
 * channelSerial of every ATTACHED and MESSAGE as they read it (RTL15b) and send the last one in their
 * next ATTACH. The replay after a RESUMED ATTACHED can be lost in flight like any frames, so the
 * ATTACHED must not carry a position past what it replays: a client that kept only the ATTACHED's
 * serial must get the replay again on its next resume.
 *
 * <p>(Found while testing resume end to end with the SDKs; an SDK cannot be made to drop the
 * connection between two frames on demand, so this is shown in core, with the SDKs' rule applied
 * by hand.)
 */
class ResumedAttachSerialTest {
    private static final String FULL = "app1.full:secret1";

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final TestCore core = TestCore.builder()
            .key(new ApiKey("app1.full", "secret1", Capability.ALL))
            .clock(clock).timers(new ManualTimers(clock)).build();

    /** What an SDK holds after reading these frames (RTL15b): the channelSerial of the last one that carried one. */
    private static String held(List<ProtocolMessage> frames, String channel) {
        String serial = null;
        for (ProtocolMessage m : frames) {
            if (channel.equals(m.channel()) && m.channelSerial() != null
                    && (m.action() == Action.ATTACHED || m.action() == Action.MESSAGE || m.action() == Action.PRESENCE)) {
                serial = m.channelSerial();
            }
        }
        return serial;
    }

    @Test
    void aReplayLostAfterTheResumedAttachedIsReplayedAgainOnTheNextResume() {
        TestClient publisher = core.connect(FULL, "pub", null, null);
        TestClient alice = core.connect(FULL, "alice", null, null);
        alice.session().handle(attach("room", null));
        publisher.session().handle(publish("room", 0, "before"));
        String position = held(alice.out().frames(), "room");

        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        publisher.session().handle(publish("room", 1, "missed-1"));
        publisher.session().handle(publish("room", 2, "missed-2"));

        TestClient back = core.connect(FULL, "alice", alice.key(), null);
        back.session().handle(attach("room", position));
        List<ProtocolMessage> sent = back.out().frames();
        ProtocolMessage attached = back.out().only(Action.ATTACHED);
        assertTrue((attached.flagsOrZero() & Flags.RESUMED) != 0);
        assertEquals(List.of("missed-1", "missed-2"), data(sent), "the replay follows the ATTACHED");

        // the transport drops right after the ATTACHED reached the client: the replay is lost in flight
        List<ProtocolMessage> readByClient = sent.subList(0, sent.indexOf(attached) + 1);
        String heldAfterAttached = held(readByClient, "room");
        back.session().end(DisconnectReason.TRANSPORT_LOST, null);

        TestClient again = core.connect(FULL, "alice", back.key(), null);
        again.session().handle(attach("room", heldAfterAttached));
        assertTrue((again.out().only(Action.ATTACHED).flagsOrZero() & Flags.RESUMED) != 0);
        assertEquals(List.of("missed-1", "missed-2"), data(again.out().frames()),
                "the RESUMED ATTACHED carried " + attached.channelSerial() + ", the position after its replay, so a client"
                        + " that read the ATTACHED but lost the replay never gets missed-1 and missed-2");
    }
}
