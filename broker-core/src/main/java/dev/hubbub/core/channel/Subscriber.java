package dev.hubbub.core.channel;

/**
 * A connection attached to a channel, as the channel sees it. {@link #deliver} may be called from
 * any thread (the publisher's); implementations hand the frame to their own I/O thread.
 */
public interface Subscriber {
    /** Unique among the subscribers of a channel: presence events find their owner by it. */
    String connectionId();

    /** False when the connection asked not to receive its own messages ({@code echo=false}). */
    boolean echoes();

    void deliver(SharedFrame frame);
}
