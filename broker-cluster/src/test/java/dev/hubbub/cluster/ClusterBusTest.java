package dev.hubbub.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.TestClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Three nodes on one real Redis: one order per channel for every node, ACKs after Redis, history and replay from the shared log. */
class ClusterBusTest extends ClusterTestBase {
    private static List<Object> data(TestClient c) { return Frames.data(c.out()); }

    @Test
    void aMessagePublishedOnOneNodeReachesSubscribersOnEveryNodeWithTheSerialItWasAckedWith() {
        Nodes.Node a = nodes.start("a"), b = nodes.start("b"), c = nodes.start("c");
        TestClient onA = Nodes.attached(a, "room"), onB = Nodes.attached(b, "room"), onC = Nodes.attached(c, "room");
        onA.send(Frames.publish("room", 0, "hello"));
        List<TestClient> all = List.of(onA, onB, onC);
        Nodes.until(all, () -> all.stream().allMatch(x -> data(x).size() == 1) && !onA.out().frames(Action.ACK).isEmpty());
        String acked = onA.out().frames(Action.ACK).get(0).res().get(0).serials().get(0);
        for (TestClient x : all) {
            Message m = x.out().frames(Action.MESSAGE).get(0).messages().get(0);
            assertEquals("hello", m.data());
            assertEquals(acked, m.serial(), "every node delivers the serial Redis gave");
            assertEquals(onA.id(), m.connectionId());
        }
    }

    @Test
    void threePublishersOnThreeNodesGiveEverySubscriberTheSameOrderAndEachPublishersOwnOrder() throws Exception {
        List<Nodes.Node> three = List.of(nodes.start("a"), nodes.start("b"), nodes.start("c"));
        List<TestClient> subscribers = new ArrayList<>();
        List<TestClient> publishers = new ArrayList<>();
        for (Nodes.Node n : three) {
            subscribers.add(Nodes.attached(n, "race"));
            publishers.add(Nodes.attached(n, "race"));
        }
        int each = 50;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            TestClient pub = publishers.get(p);
            String name = "p" + p;
            threads.add(new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    pub.send(Frames.publish("race", i, name + ":" + i)); // one thread per connection, as on its event loop
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        List<TestClient> everyone = new ArrayList<>(subscribers);
        everyone.addAll(publishers);
        Nodes.until(everyone, () -> subscribers.stream().allMatch(s -> data(s).size() == 3 * each));
        List<Object> order = data(subscribers.get(0));
        for (TestClient s : subscribers) {
            assertEquals(order, data(s), "one order for every node");
        }
        for (int p = 0; p < 3; p++) {
            String prefix = "p" + p + ":";
            List<Object> own = order.stream().filter(d -> ((String) d).startsWith(prefix)).toList();
            List<Object> expected = new ArrayList<>();
            for (int i = 0; i < each; i++) {
                expected.add(prefix + i);
            }
            assertEquals(expected, own, "each publisher's own order");
        }
        // and serials rise in that order
        List<String> serials = subscribers.get(1).out().frames(Action.MESSAGE).stream()
                .flatMap(f -> f.messages().stream()).map(Message::serial).toList();
        List<String> sorted = new ArrayList<>(serials);
        sorted.sort(null);
        assertEquals(sorted, serials);
        // every publish was ACKed, in msgSerial order
        for (TestClient pub : publishers) {
            List<Long> acks = pub.out().frames(Action.ACK).stream().map(ProtocolMessage::msgSerial).toList();
            assertEquals(each, acks.size());
            for (int i = 0; i < each; i++) {
                assertEquals(i, acks.get(i));
            }
        }
    }

    @Test
    void aClientReattachingOnAnotherNodeGetsWhatItMissedFromTheSharedLog() {
        Nodes.Node a = nodes.start("a"), b = nodes.start("b");
        TestClient onA = Nodes.attached(a, "resume");
        TestClient publisher = Nodes.attached(b, "resume");
        publisher.send(Frames.publish("resume", 0, "seen"));
        Nodes.until(List.of(onA, publisher), () -> data(onA).size() == 1);
        String last = onA.out().frames(Action.MESSAGE).get(0).channelSerial();
        publisher.send(Frames.publish("resume", 1, "missed-1"));
        publisher.send(Frames.publish("resume", 2, "missed-2"));
        Nodes.until(List.of(publisher), () -> publisher.out().frames(Action.ACK).size() == 3);
        TestClient onB = b.connect(); // the client comes back on the other node, from where it was
        onB.send(Frames.attach("resume", last));
        Nodes.until(List.of(onB), () -> data(onB).size() == 2);
        assertEquals(List.of("missed-1", "missed-2"), data(onB));
        ProtocolMessage attachedFrame = onB.out().frames(Action.ATTACHED).get(0);
        assertNull(attachedFrame.error(), "continuity held");
    }

    @Test
    void historyOnOneNodeListsWhatWasPublishedOnAnother() {
        Nodes.Node a = nodes.start("a"), b = nodes.start("b");
        TestClient publisher = Nodes.attached(a, "hist");
        for (int i = 0; i < 3; i++) {
            publisher.send(Frames.publish("hist", i, "m" + i));
        }
        Nodes.until(List.of(publisher), () -> publisher.out().frames(Action.ACK).size() == 3);
        var page = b.core().services.log().history(new dev.hubbub.core.channel.ChannelKey("app1", "hist"),
                new dev.hubbub.core.history.HistoryQuery(null, null, true, 10, null, null));
        assertEquals(List.of("m2", "m1", "m0"), page.items().stream().map(Message::data).toList());
        var otherApp = b.core().services.log().history(new dev.hubbub.core.channel.ChannelKey("app2", "hist"),
                new dev.hubbub.core.history.HistoryQuery(null, null, true, 10, null, null));
        assertTrue(otherApp.items().isEmpty(), "another app's channel of the same name is another channel");
    }

    @Test
    void aClientChosenIdIsPublishedOnceClusterWideAndARealtimeResendGetsTheSameAnswer() {
        Nodes.Node a = nodes.start("a"), b = nodes.start("b");
        TestClient sub = Nodes.attached(a, "dedupe");
        TestClient onA = Nodes.attached(a, "dedupe"), onB = Nodes.attached(b, "dedupe");
        ProtocolMessage withId = new ProtocolMessage(Action.MESSAGE, null, "dedupe", null, null, null, null, null, null, 5L,
                List.of(new Message("my-id", null, null, null, "n", "once", null, null, null, null, null)), null, null, null, null, null);
        onA.send(withId);
        Nodes.until(List.of(onA, sub), () -> !onA.out().frames(Action.ACK).isEmpty());
        onB.send(withId); // the same id from another node: a retried publish
        Nodes.until(List.of(onB), () -> !onB.out().frames(Action.ACK).isEmpty());
        assertNotNull(onA.out().frames(Action.ACK).get(0).res().get(0).serials().get(0));
        assertNull(onB.out().frames(Action.ACK).get(0).res().get(0).serials().get(0), "a duplicate gets no serial");
        Nodes.until(List.of(sub), () -> data(sub).size() >= 1);
        assertEquals(List.of("once"), data(sub));
    }
}
