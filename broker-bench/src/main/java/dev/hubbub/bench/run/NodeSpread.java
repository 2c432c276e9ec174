package dev.hubbub.bench.run;

import java.util.BitSet;

/**
 * Which node (an index into the {@code --url} list) each connection of a pub/sub run goes to.
 * Subscriber {@code i} is on channel {@code i % channels} as the {@code rank = i / channels}-th
 * subscriber of that channel, and goes to node {@code (rank + channel) % nodes}: round-robin over
 * the nodes, staggered by channel, so that every node gets its share of the subscribers and every
 * channel with at least as many subscribers as nodes has some on each node (plain
 * {@code i % nodes} would put all of a channel's subscribers on one node whenever the channel
 * count is a multiple of the node count). With one channel it is plain round-robin.
 *
 * <p>Publishers go to one node ({@link #publisherNode}, the first by default) or, spread, are
 * placed by the same rule as subscribers.
 */
public record NodeSpread(int nodes, int channels, int publisherNode) {
    /** {@link #publisherNode} of a spread whose publishers are placed like its subscribers. */
    public static final int SPREAD = -1;

    public NodeSpread {
        if (nodes < 1 || channels < 1) {
            throw new IllegalArgumentException("nodes and channels must be at least 1");
        }
        if (publisherNode != SPREAD && (publisherNode < 0 || publisherNode >= nodes)) {
            throw new IllegalArgumentException("publisher node " + publisherNode + " is not one of 0.." + (nodes - 1));
        }
    }

    /** Everything on the only node. */
    public static NodeSpread single() {
        return new NodeSpread(1, 1, 0);
    }

    public boolean publishersSpread() {
        return publisherNode == SPREAD;
    }

    /** The node of subscriber {@code i}. */
    public int subscriberNode(int i) {
        return place(i);
    }

    /** The node of publisher {@code j} (on channel {@code j % channels}). */
    public int publisherNode(int j) {
        return publishersSpread() ? place(j) : publisherNode;
    }

    private int place(int i) {
        return (int) (((long) i / channels + i % channels) % nodes);
    }

    /** How many of {@code count} subscribers each node gets. */
    public int[] subscribersPerNode(int count) {
        int[] out = new int[nodes];
        for (int i = 0; i < count; i++) {
            out[subscriberNode(i)]++;
        }
        return out;
    }

    /** How many of {@code count} publishers each node gets. */
    public int[] publishersPerNode(int count) {
        int[] out = new int[nodes];
        for (int j = 0; j < count; j++) {
            out[publisherNode(j)]++;
        }
        return out;
    }

    /**
     * Of {@code subscribers} subscribers, how many share a node with at least one of their
     * channel's {@code publishers} publishers: the rest only get messages that crossed between nodes.
     */
    public long subscribersBesideAPublisher(int subscribers, int publishers) {
        BitSet publishedOn = new BitSet(); // bit channel * nodes + node
        for (int j = 0; j < publishers; j++) {
            publishedOn.set(j % channels * nodes + publisherNode(j));
        }
        long n = 0;
        for (int i = 0; i < subscribers; i++) {
            if (publishedOn.get(i % channels * nodes + subscriberNode(i))) {
                n++;
            }
        }
        return n;
    }
}
