package dev.hubbub.bench.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NodeSpreadTest {
    @Test
    void oneChannelIsPlainRoundRobinWithPublishersOnTheChosenNode() {
        NodeSpread s = new NodeSpread(3, 1, 0);
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2, 0}, IntStream.range(0, 7).map(s::subscriberNode).toArray());
        assertArrayEquals(new int[] {3, 2, 2}, s.subscribersPerNode(7));
        assertArrayEquals(new int[] {4, 0, 0}, s.publishersPerNode(4));
        assertArrayEquals(new int[] {0, 0, 4}, new NodeSpread(3, 1, 2).publishersPerNode(4));
        assertEquals(3, s.subscribersBesideAPublisher(7, 4), "subscribers 0, 3 and 6 share node 0 with the publishers");
    }

    @Test
    void spreadPublishersGoRoundRobinToo() {
        NodeSpread s = new NodeSpread(3, 1, NodeSpread.SPREAD);
        assertTrue(s.publishersSpread());
        assertArrayEquals(new int[] {0, 1, 2, 0}, IntStream.range(0, 4).map(s::publisherNode).toArray());
        assertArrayEquals(new int[] {2, 1, 1}, s.publishersPerNode(4));
        assertEquals(7, s.subscribersBesideAPublisher(7, 3), "a publisher on every node");
        assertEquals(5, s.subscribersBesideAPublisher(7, 2), "publishers on nodes 0 and 1 only");
    }

    @Test
    void everyChannelSpansTheNodesEvenWhenTheChannelCountIsAMultipleOfTheNodeCount() {
        // 3 channels x 4 subscribers on 3 nodes: i % 3 would put each channel's subscribers all on one node
        NodeSpread s = new NodeSpread(3, 3, 0);
        for (int channel = 0; channel < 3; channel++) {
            Set<Integer> nodes = new HashSet<>();
            for (int i = channel; i < 12; i += 3) {
                nodes.add(s.subscriberNode(i));
            }
            assertEquals(Set.of(0, 1, 2), nodes, "channel " + channel);
        }
        assertArrayEquals(new int[] {4, 4, 4}, s.subscribersPerNode(12));
    }

    @Test
    void manyChannelsWithOneSubscriberEachAreBalanced() {
        NodeSpread s = new NodeSpread(3, 100, 0);
        assertArrayEquals(new int[] {34, 33, 33}, s.subscribersPerNode(100));
        assertEquals(34, s.subscribersBesideAPublisher(100, 100), "only channels whose subscriber is on node 0");
        NodeSpread spread = new NodeSpread(3, 100, NodeSpread.SPREAD);
        assertArrayEquals(new int[] {34, 33, 33}, spread.publishersPerNode(100));
        assertEquals(100, spread.subscribersBesideAPublisher(100, 100),
                "spread with one of each per channel puts a channel's publisher beside its subscriber");
    }

    @Test
    void oneNodeTakesEverything() {
        NodeSpread s = NodeSpread.single();
        assertArrayEquals(new int[] {5}, s.subscribersPerNode(5));
        assertArrayEquals(new int[] {2}, s.publishersPerNode(2));
        assertEquals(5, s.subscribersBesideAPublisher(5, 2));
    }

    @Test
    void rejectsAPublisherNodeThatIsNotInTheList() {
        assertThrows(IllegalArgumentException.class, () -> new NodeSpread(3, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> new NodeSpread(3, 1, -2));
        assertThrows(IllegalArgumentException.class, () -> new NodeSpread(0, 1, 0));
    }
}
