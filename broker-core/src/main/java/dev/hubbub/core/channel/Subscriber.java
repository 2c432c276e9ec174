package dev.hubbub.core.channel;

import dev.hubbub.core.outbound.Transport;

/** A connection attached to a channel, as the channel sees it. Its methods may be called from any thread. */
public interface Subscriber {
    /** Unique among the subscribers of a channel: presence events find their owner by it. */
    String connectionId();

    /** False when the connection asked not to receive its own messages ({@code echo=false}). */
    boolean echoes();

    /** Where frames for this subscriber go: a fan-out adds it as a recipient. */
    Transport outbound();

    /**
     * The channel name this subscription's frames carry when it is not the channel's own: the
     * qualified name it attached with ({@code [?rewind=1]room}); null for the channel's name.
     */
    default String alias() { return null; }
}
