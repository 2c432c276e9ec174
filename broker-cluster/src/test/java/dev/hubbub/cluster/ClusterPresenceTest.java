package dev.hubbub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.DisconnectReason;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.TestClient;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Presence shared by nodes on one real Redis: entered on one node, listed and told on the others; a dead node's members leave once. */
class ClusterPresenceTest extends ClusterTestBase {
    private static ProtocolMessage enter(String channel, long msgSerial, String clientId, String data) {
        return new ProtocolMessage(Action.PRESENCE, null, channel, null, null, null, null, null, null, msgSerial, null,
                List.of(new PresenceMessage(null, PresenceAction.ENTER, clientId, null, data, null, null, null)), null, null, null, null);
    }

    /** Presence events this client was sent, as "action:clientId". */
    private static List<String> told(TestClient c) {
        return c.out().frames(Action.PRESENCE).stream().flatMap(f -> f.presence().stream())
                .map(p -> p.action().name() + ":" + p.clientId()).toList();
    }

    @Test
    void memberEnteredOnOneNodeIsToldAndListedOnAnother() {
        Nodes.Node a = nodes.start("a"), c = nodes.start("c");
        TestClient watcherOnC = Nodes.attached(c, "lobby");
        TestClient onA = Nodes.attached(a, "lobby");
        onA.send(enter("lobby", 0, "alice", "hi"));
        Nodes.until(List.of(onA, watcherOnC), () -> told(watcherOnC).contains("ENTER:alice"));
        ChannelKey key = new ChannelKey("app1", "lobby");
        Nodes.until(List.of(), () -> c.core().presence.memberCount(key) == 1);
        // a client attaching on C later gets HAS_PRESENCE and the member in its SYNC
        TestClient late = Nodes.attached(c, "lobby");
        ProtocolMessage attachedFrame = late.out().frames(Action.ATTACHED).get(0);
        assertTrue((attachedFrame.flagsOrZero() & dev.hubbub.core.protocol.Flags.HAS_PRESENCE) != 0, "HAS_PRESENCE");
        List<PresenceMessage> synced = late.out().frames(Action.SYNC).stream().flatMap(f -> f.presence().stream()).toList();
        assertEquals(List.of("alice"), synced.stream().map(PresenceMessage::clientId).toList());
        assertEquals("hi", synced.get(0).data());
        // and a node that only now starts delivering the channel starts from the shared set
        Nodes.Node b = nodes.start("b");
        TestClient onB = Nodes.attached(b, "lobby");
        List<PresenceMessage> syncedOnB = onB.out().frames(Action.SYNC).stream().flatMap(f -> f.presence().stream()).toList();
        assertEquals(List.of("alice"), syncedOnB.stream().map(PresenceMessage::clientId).toList());
        // leaving on A is told on B
        onA.session().end(DisconnectReason.CLIENT_CLOSED, null);
        Nodes.until(List.of(onB), () -> told(onB).contains("LEAVE:alice"));
        Nodes.until(List.of(), () -> b.core().presence.memberCount(key) == 0);
    }

    /** Attached on {@code node} with {@code presenceBy=clientId}. */
    private static TestClient attachedByClient(Nodes.Node node, String channel) {
        TestClient c = node.connect();
        c.send(new ProtocolMessage(Action.ATTACH, null, channel, null, null, null, null, null, null, null, null, null, null,
                null, java.util.Map.of("presenceBy", "clientId"), null));
        Nodes.until(List.of(c), () -> !c.out().frames(Action.ATTACHED).isEmpty());
        return c;
    }

    @Test
    void aPersonPresentFromTwoNodesIsOneMemberToAByClientIdSubscriberOnAThird() {
        Nodes.Node a = nodes.start("a"), b = nodes.start("b"), c = nodes.start("c");
        TestClient viewerOnC = attachedByClient(c, "hall");
        TestClient watcherOnC = Nodes.attached(c, "hall");
        TestClient onA = Nodes.attached(a, "hall"), onB = Nodes.attached(b, "hall");
        onA.send(enter("hall", 0, "alice", "phone"));
        Nodes.until(List.of(onA, viewerOnC), () -> told(viewerOnC).contains("ENTER:alice"));
        onB.send(enter("hall", 0, "alice", "phone"));
        Nodes.until(List.of(onB, watcherOnC), () -> told(watcherOnC).equals(List.of("ENTER:alice", "ENTER:alice")));
        onA.session().end(DisconnectReason.CLIENT_CLOSED, null);
        Nodes.until(List.of(watcherOnC), () -> told(watcherOnC).contains("LEAVE:alice"));
        assertEquals(List.of("ENTER:alice"), told(viewerOnC), "one person: one enter, no leave while B holds her");
        // a by-clientId subscriber attaching now lists her once
        TestClient late = attachedByClient(c, "hall");
        List<PresenceMessage> synced = late.out().frames(Action.SYNC).stream().flatMap(f -> f.presence().stream()).toList();
        assertEquals(List.of("alice"), synced.stream().map(PresenceMessage::clientId).toList());
        onB.session().end(DisconnectReason.CLIENT_CLOSED, null);
        Nodes.until(List.of(viewerOnC), () -> told(viewerOnC).equals(List.of("ENTER:alice", "LEAVE:alice")));
        Nodes.until(List.of(), () -> c.core().presence.channelCount() == 0);
    }

    @Test
    void membersOfANodeThatDiesLeaveOnceClusterWide() {
        Nodes.Node a = nodes.start("doomed"), b = nodes.start("b"), c = nodes.start("c");
        TestClient onB = Nodes.attached(b, "room"), onC = Nodes.attached(c, "room");
        TestClient onA = Nodes.attached(a, "room");
        onA.send(enter("room", 0, "bob", null));
        Nodes.until(List.of(onA, onB, onC), () -> told(onB).contains("ENTER:bob") && told(onC).contains("ENTER:bob"));
        a.cluster().close(); // the node dies: no leave, no more heartbeats
        Nodes.until(List.of(onB, onC), () -> told(onB).contains("LEAVE:bob") && told(onC).contains("LEAVE:bob"));
        assertEquals(1, told(onB).stream().filter("LEAVE:bob"::equals).count(), "told once on B");
        assertEquals(1, told(onC).stream().filter("LEAVE:bob"::equals).count(), "told once on C");
        assertEquals("0", redis.command("HLEN", "hb:{app1|room}:p"), "gone from the shared set");
    }
}
