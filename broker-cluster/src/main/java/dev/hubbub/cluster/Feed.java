package dev.hubbub.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One channel as this node delivers it in a cluster: the pub/sub subscription that announces its
 * new entries, and the position this node has delivered up to. Announcements are at-most-once,
 * so the feed delivers strictly in offset order: a duplicate is dropped, a gap is filled from the
 * channel's log before anything after it, and where the log no longer has the range, subscribers
 * are told the channel's continuity broke (ATTACHED without RESUMED, 90003), never left to guess.
 *
 * <p>Threading: everything but {@link #position} runs on the feed's lane (one thread per group of
 * channels), in order. {@link #epoch} and {@link #delivered} change under the channel's order
 * lock, so an attach (which holds it) sees a position that everything after it is delivered from.
 */
final class Feed {
    enum State { SUBSCRIBING, LIVE, CLOSED }

    final ChannelKey key;
    final String prefix;
    final String channel;
    final Shard shard;
    /** Changed on the lane; read by the timer thread to pick the channels to check. */
    volatile State state = State.SUBSCRIBING;
    final List<Runnable> waiting = new ArrayList<>();
    final List<Consumer<ErrorInfo>> refusals = new ArrayList<>();
    /** Announcements that came before the position was known. */
    final List<JsonNode> early = new ArrayList<>();
    private volatile String epoch;
    private volatile long delivered;
    /**
     * The highest offset announced to this node (epoch {@link #receivedEpoch}), set as
     * announcements arrive, before they wait in the lane: a check that finds Redis no further than
     * this is not behind, only busy.
     */
    private volatile long receivedTo;
    private volatile String receivedEpoch;
    /** A check of this feed is queued on its lane (checks are not stacked behind a slow lane). */
    final java.util.concurrent.atomic.AtomicBoolean checkQueued = new java.util.concurrent.atomic.AtomicBoolean();

    /** An announcement of {@code count} entries from {@code first} reached this node (Lettuce's thread). */
    void received(String e, long first, long count) {
        long last = first + count - 1;
        if (!e.equals(receivedEpoch)) {
            receivedEpoch = e;
            receivedTo = last;
        } else if (last > receivedTo) {
            receivedTo = last; // one pub/sub connection per server: a single thread writes this
        }
    }

    /** How far this node has the channel, delivered or waiting on the lane, in epoch {@code e}. */
    long heldTo(String e) {
        long held = e.equals(epoch) ? delivered : -1;
        return e.equals(receivedEpoch) ? Math.max(held, receivedTo) : held;
    }

    /** The offset Redis had at the last check and this node had not delivered (-1: none). */
    long behindTo = -1;
    /** When the router was first seen without the channel (nanoTime), 0 while it has subscribers. */
    long idleSince;

    Feed(ChannelKey key, Shard shard) {
        this.key = key;
        this.prefix = RedisKeys.channel(key);
        this.channel = RedisKeys.feed(prefix);
        this.shard = shard;
    }

    /** The serial this node has delivered up to (any thread; an attach reads it under the order lock). */
    String position() {
        String e = epoch;
        return e == null ? null : new ChannelSerial(e, delivered).wire();
    }

    String epoch() { return epoch; }

    long delivered() { return delivered; }

    /** The position Redis gave when the subscription took hold: delivery starts after it. */
    void start(ChannelRouter router, String e, long offset) {
        synchronized (router.orderLock(key)) {
            epoch = e;
            delivered = offset;
        }
    }

    /**
     * Delivers entries starting at {@code first}, dropping what was delivered already.
     *
     * @return false when {@code first} is past the next offset (a gap the caller must fill first)
     */
    boolean deliver(ChannelRouter router, String e, long first, List<Message> messages, String idBase, String publisherId,
                    long timestamp) {
        long last = first + messages.size() - 1;
        if (!e.equals(epoch) || last <= delivered) {
            return e.equals(epoch); // another epoch is the caller's to handle; an old one is a duplicate
        }
        if (first > delivered + 1) {
            return false;
        }
        List<Message> fresh = messages.subList((int) (delivered + 1 - first), messages.size());
        synchronized (router.orderLock(key)) {
            Channel ch = router.find(key);
            if (ch != null) {
                ch.publish(ProtocolMessage.messages(key.name(), idBase, publisherId, timestamp,
                        fresh.get(fresh.size() - 1).serial(), fresh), publisherId);
            }
            delivered = last;
        }
        return true;
    }

    /**
     * Delivers one presence entry at {@code offset} (the next one) through the presence service,
     * which updates this node's copy of the set and fans the frame out in the channel's order.
     *
     * @return false when {@code offset} is past the next one (a gap the caller must fill first)
     */
    boolean deliverPresence(ChannelRouter router, dev.hubbub.core.presence.PresenceService presence, String e, long offset,
                            ProtocolMessage frame, String owner, List<dev.hubbub.core.protocol.PresenceMessage> present) {
        if (!e.equals(epoch) || offset <= delivered) {
            return e.equals(epoch);
        }
        if (offset > delivered + 1) {
            return false;
        }
        presence.replicated(key, frame, owner, present, () -> delivered = offset);
        return true;
    }

    /** Moves past an entry that delivers nothing here (the next one in order). */
    void skip(ChannelRouter router, String e, long offset) {
        synchronized (router.orderLock(key)) {
            if (e.equals(epoch) && offset == delivered + 1) {
                delivered = offset;
            }
        }
    }

    /**
     * The channel's continuity broke here: what this node had not delivered up to {@code offset} of
     * epoch {@code e} is gone (the log was trimmed or lost). Subscribers are told; delivery goes on
     * after {@code offset}.
     */
    void lost(ChannelRouter router, String e, long offset) {
        synchronized (router.orderLock(key)) {
            epoch = e;
            delivered = offset;
            Channel ch = router.find(key);
            if (ch != null) {
                ch.continuityLost(position(), ErrorCode.CHANNEL_NOT_RECOVERED.info(
                        "Messages on this channel may have been missed (the cluster could not recover them)"));
            }
        }
    }
}
