package dev.hubbub.core.channel;

import dev.hubbub.core.outbound.FanOutPort;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Every live channel, by app and name. A channel exists while something is attached to it; a
 * publish to a channel nobody is attached to is accepted and reaches no one.
 */
public final class ChannelRouter {
    private final ConcurrentMap<ChannelKey, Channel> channels = new ConcurrentHashMap<>();
    private final FanOutPort port;
    private final LongAdder deliveries = new LongAdder();
    /** Order locks, by channel key hash: see {@link #orderLock}. */
    private final Object[] orderLocks = new Object[256];

    {
        for (int i = 0; i < orderLocks.length; i++) {
            orderLocks[i] = new Object();
        }
    }

    /** @param port how the network hands one frame to many connections */
    public ChannelRouter(FanOutPort port) { this.port = Objects.requireNonNull(port); }

    /** Attaches (or re-attaches with new modes) with the standard presence view, and returns the channel. */
    public Channel attach(ChannelKey key, Subscriber subscriber, int modes) {
        return attach(key, subscriber, modes, PresenceView.BY_CONNECTION);
    }

    /** Attaches (or re-attaches with new modes or view) and returns the channel. */
    public Channel attach(ChannelKey key, Subscriber subscriber, int modes, PresenceView view) {
        return channels.compute(key, (k, existing) -> {
            Channel ch = existing != null ? existing : new Channel(k, port, deliveries);
            ch.attach(subscriber, modes, view);
            return ch;
        });
    }

    /** Detaches; the channel goes away with its last subscriber. */
    public void detach(ChannelKey key, Subscriber subscriber) {
        channels.computeIfPresent(key, (k, ch) -> {
            ch.detach(subscriber);
            return ch.isIdle() ? null : ch;
        });
    }

    /** The channel if anyone is attached, else null. */
    public Channel find(ChannelKey key) { return channels.get(key); }

    public int channelCount() { return channels.size(); }

    /**
     * The lock that orders a channel's writes: whoever holds it may take the channel's next serial
     * from the message log and hand the frame to the channel's subscribers, and an attach that
     * reads the channel's serial and replays what a client missed does it under the same lock, so
     * no frame is both replayed and delivered live, or neither. Striped (256 locks shared by all
     * channels): it exists whether or not anyone is attached. Only frames are enqueued under it.
     * Lock order: a presence set's lock, then this one; never the other way round.
     */
    public Object orderLock(ChannelKey key) {
        return orderLocks[(key.hashCode() ^ (key.hashCode() >>> 16)) & (orderLocks.length - 1)];
    }

    /** Frames handed to subscribers by every channel so far (messages and presence events). */
    public long deliveries() { return deliveries.sum(); }
}
