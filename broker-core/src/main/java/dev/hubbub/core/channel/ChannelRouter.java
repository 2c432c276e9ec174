package dev.hubbub.core.channel;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Every live channel, by app and name. A channel exists while something is attached to it; a
 * publish to a channel nobody is attached to is accepted and reaches no one.
 */
public final class ChannelRouter {
    private final ConcurrentMap<ChannelKey, Channel> channels = new ConcurrentHashMap<>();

    /** Attaches (or re-attaches with new modes) and returns the channel. */
    public Channel attach(ChannelKey key, Subscriber subscriber, int modes) {
        return channels.compute(key, (k, existing) -> {
            Channel ch = existing != null ? existing : new Channel(k);
            ch.attach(subscriber, modes);
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
}
