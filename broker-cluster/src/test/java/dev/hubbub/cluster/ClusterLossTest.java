package dev.hubbub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.TestClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pub/sub is at-most-once and Redis may go away: nothing a node missed is skipped quietly. A lost
 * announcement is delivered from the log; while Redis is down publishes are NACKed with 5xxxx;
 * a Redis that lost everything (restarted without persistence) is reported as lost continuity.
 */
class ClusterLossTest extends ClusterTestBase {
    @Test
    void anEntryWhoseAnnouncementWasLostIsDeliveredFromTheLog() {
        Nodes.Node a = nodes.start("a");
        TestClient sub = Nodes.attached(a, "quiet");
        // what the publish script does, minus the PUBLISH: as if the announcement never arrived
        String prefix = "hb:{app1|quiet}";
        String offset = redis.command("HINCRBY", prefix + ":m", "o", "1");
        redis.command("XADD", prefix + ":s", offset + "-0", "k", "m", "d", "{\"id\":\"x:0:0\",\"n\":\"n\",\"d\":\"lost\",\"t\":1}");
        Nodes.until(List.of(sub), () -> Frames.data(sub.out()).contains("lost"));
        ProtocolMessage delivered = sub.out().frames(Action.MESSAGE).get(0);
        assertTrue(delivered.messages().get(0).serial().endsWith(":" + "0".repeat(12) + offset), delivered.toString());
        assertEquals(1, a.bus().filledFromLog(), "counted for operators");
        // and the next announced message follows it, once
        TestClient pub = Nodes.attached(a, "quiet");
        pub.send(Frames.publish("quiet", 0, "next"));
        Nodes.until(List.of(sub, pub), () -> Frames.data(sub.out()).size() == 2);
        assertEquals(List.of("lost", "next"), Frames.data(sub.out()));
    }

    @Test
    void whileRedisIsDownPublishesAreNackedAndARestartWithoutItsDataIsToldAsLostContinuity() {
        Nodes.Node a = nodes.start("a"), b = nodes.start("b");
        TestClient sub = Nodes.attached(b, "fragile");
        TestClient pub = Nodes.attached(a, "fragile");
        pub.send(Frames.publish("fragile", 0, "before"));
        Nodes.until(List.of(sub, pub), () -> Frames.data(sub.out()).size() == 1);
        redis.kill();
        Nodes.until(List.of(), () -> !a.bus().healthy());
        pub.send(Frames.publish("fragile", 1, "during"));
        Nodes.until(List.of(pub), () -> !pub.out().frames(Action.NACK).isEmpty());
        int code = pub.out().frames(Action.NACK).get(0).error().code();
        assertTrue(code == 50002 || code == 50003, "a 5xxxx NACK, was " + code);
        redis.restart(); // persistence off: the channel's log and position are gone
        Nodes.until(List.of(), () -> a.bus().healthy() && b.bus().healthy());
        // the subscriber is told its channel lost continuity (ATTACHED without RESUMED, with an error)...
        Nodes.until(List.of(sub), () -> sub.out().frames(Action.ATTACHED).size() == 2);
        ProtocolMessage told = sub.out().frames(Action.ATTACHED).get(1);
        assertEquals(90003, told.error().code());
        assertTrue(b.bus().continuityLost() >= 1, "counted for operators");
        assertFalse((told.flagsOrZero() & dev.hubbub.core.protocol.Flags.RESUMED) != 0);
        // ...and what is published now reaches it
        pub.send(Frames.publish("fragile", 2, "after"));
        Nodes.until(List.of(sub, pub), () -> Frames.data(sub.out()).contains("after"));
        assertFalse(Frames.data(sub.out()).contains("during"), "a NACKed publish is not delivered");
    }

    @Test
    void aPresenceChangeRedisCannotTakeIsNackedNotAckedAndForgotten() {
        Nodes.Node a = nodes.start("a");
        TestClient c = Nodes.attached(a, "lobby");
        redis.kill();
        Nodes.until(List.of(), () -> !a.bus().healthy());
        c.send(new ProtocolMessage(Action.PRESENCE, null, "lobby", null, null, null, null, null, null, 0L, null,
                List.of(new dev.hubbub.core.protocol.PresenceMessage(null, dev.hubbub.core.protocol.PresenceAction.ENTER,
                        "alice", null, null, null, null, null)), null, null, null, null));
        Nodes.until(List.of(c), () -> !c.out().frames(Action.NACK).isEmpty() || !c.out().frames(Action.ACK).isEmpty());
        assertTrue(c.out().frames(Action.ACK).isEmpty(), "not ACKed: the cluster does not have it");
        int code = c.out().frames(Action.NACK).get(0).error().code();
        assertTrue(code == 50002 || code == 50003, "a 5xxxx NACK, was " + code);
    }
}
