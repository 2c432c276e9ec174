package dev.hubbub.cluster;

import dev.hubbub.core.log.LogText;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.presence.PresenceService;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what Redis says about a channel into deliveries, in offset order, for a {@link Feed}:
 * announcements, and the channel's log where announcements were lost. Runs on the feed's lane;
 * reading the log blocks that lane (bounded by the command timeout), never Lettuce's threads.
 */
final class FeedReader {
    private static final Logger log = LoggerFactory.getLogger(FeedReader.class);

    /** A channel's position in Redis, and its presence members as they stand there. */
    record Position(String epoch, long offset, List<PresenceMessage> members) {}

    private final ClusterNode node;
    private final ChannelRouter router;
    private volatile PresenceService presence;
    private final java.util.concurrent.atomic.LongAdder filled = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder lost = new java.util.concurrent.atomic.LongAdder();

    long filled() { return filled.sum(); }

    long lost() { return lost.sum(); }

    /** Tells the feed's subscribers continuity broke at {@code offset} of {@code epoch}, and counts it. */
    private void lost(Feed feed, String epoch, long offset) {
        lost.increment();
        if (router.find(feed.key) != null) {
            log.warn("cluster channel '{}' of app {} lost continuity at {}: subscribers told (90003)",
                    LogText.untrusted(feed.key.name()), feed.key.appId(), epoch);
        }
        feed.lost(router, epoch, offset);
    }
    private static final Script POSITION = Script.load("position.lua");

    FeedReader(ClusterNode node, ChannelRouter router) {
        this.node = node;
        this.router = router;
    }

    void presence(PresenceService p) { this.presence = p; }

    /** The channel's position (made, where it has none, and kept alive). */
    CompletionStage<Position> position(Feed feed) { return position(node, feed.shard, feed.prefix); }

    static CompletionStage<Position> position(ClusterNode node, Shard shard, String prefix) {
        return shard.script(POSITION, new String[] {RedisKeys.meta(prefix), RedisKeys.stream(prefix), RedisKeys.members(prefix)},
                        RedisKeys.freshEpoch(), Long.toString(node.settings().retainMillis()))
                .thenApply(r -> new Position(String.valueOf(r.get(0)), Long.parseLong(String.valueOf(r.get(1))),
                        members(r.size() > 2 ? r.get(2) : null)));
    }

    private static List<PresenceMessage> members(Object flat) {
        List<PresenceMessage> out = new ArrayList<>();
        if (flat instanceof List<?> list) {
            for (int i = 1; i < list.size(); i += 2) {
                try {
                    out.add(StoredPresence.read(StoredMessages.JSON.readTree(String.valueOf(list.get(i))).get("m")));
                } catch (Exception unreadable) {
                    log.warn("unreadable presence member in Redis: {}", LogText.untrusted(unreadable.toString(), LogText.MESSAGE_BUDGET));
                }
            }
        }
        return out;
    }

    /** One announcement: delivered, after whatever it skipped is filled from the log. */
    void apply(Feed feed, JsonNode a) {
        String epoch = a.get("e").asText();
        long first = a.get("o").asLong();
        JsonNode items = a.get("m");
        if ("p".equals(a.path("k").asText())) {
            applyPresence(feed, epoch, first, items.get(0));
            return;
        }
        List<Message> messages = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            messages.add(StoredMessages.read(items.get(i), new ChannelSerial(epoch, first + i).wire()));
        }
        if (!epoch.equals(feed.epoch())) {
            // the channel's log started again (Redis lost it): what this node had not delivered is gone
            lost(feed, epoch, 0);
        }
        String idBase = a.path("b").asText(null);
        String publisher = a.path("p").isNull() ? null : a.path("p").asText(null);
        long timestamp = a.path("t").asLong();
        if (!feed.deliver(router, epoch, first, messages, idBase, publisher, timestamp)) {
            if (!fill(feed, epoch, first - 1)) {
                return; // the log could not be read now: the next check fetches all of it
            }
            feed.deliver(router, epoch, first, messages, idBase, publisher, timestamp);
        }
    }

    private void applyPresence(Feed feed, String epoch, long offset, JsonNode entry) {
        if (!epoch.equals(feed.epoch())) {
            lost(feed, epoch, 0);
        }
        if (!deliverPresence(feed, epoch, offset, entry)) {
            if (!fill(feed, epoch, offset - 1)) {
                return;
            }
            deliverPresence(feed, epoch, offset, entry);
        }
    }

    private boolean deliverPresence(Feed feed, String epoch, long offset, JsonNode entry) {
        PresenceService p = presence;
        if (p == null) {
            feed.skip(router, epoch, offset);
            return true;
        }
        List<PresenceMessage> events = StoredPresence.list(entry.get("ev"), false);
        List<PresenceMessage> present = StoredPresence.list(entry.get("pr"), true);
        String owner = entry.path("o").isNull() ? null : entry.path("o").asText(null);
        String frameId = entry.path("b").isNull() ? null : entry.path("b").asText(null);
        ProtocolMessage frame = ProtocolMessage.presence(Action.PRESENCE, feed.key.name(), frameId, owner,
                entry.path("t").asLong(), new ChannelSerial(epoch, offset).wire(), events);
        return feed.deliverPresence(router, p, epoch, offset, frame, owner, present);
    }

    /**
     * Compares the feed with Redis now (after a reconnect): whatever Redis has beyond the feed is
     * filled from the log at once.
     */
    void check(Feed feed) {
        Position p;
        try {
            p = position(feed).toCompletableFuture().get(node.settings().commandTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.debug("cluster position check failed: {}", e.toString());
            return;
        }
        compare(feed, p.epoch(), p.offset(), true);
    }

    /**
     * Compares the feed with the position Redis gave ({@code epoch}, {@code offset}): where Redis
     * is ahead, and was already at the last check (or {@code now}), fills from the log; a lost
     * epoch is a discontinuity, and this node's copy of the presence set starts again from Redis's.
     */
    void compare(Feed feed, String epoch, long offset, boolean now) {
        if (!epoch.equals(feed.epoch())) {
            PresenceService ps = presence;
            if (ps != null) {
                try {
                    Position p = position(feed).toCompletableFuture().get(node.settings().commandTimeoutMillis(),
                            TimeUnit.MILLISECONDS);
                    ps.seed(feed.key, p.members()); // the shared set was lost with the log: what Redis has now
                } catch (Exception e) {
                    log.debug("cluster presence reseed failed: {}", e.toString());
                    return;
                }
            }
            lost(feed, epoch, 0);
            fill(feed, epoch, offset);
            feed.behindTo = -1;
        } else if (offset > feed.delivered()) {
            // announced but still waiting on the lane is not missing: only what never arrived is fetched
            boolean missing = offset > feed.heldTo(epoch);
            if (now || (missing && feed.behindTo >= 0 && feed.heldTo(epoch) < feed.behindTo)) {
                fill(feed, epoch, offset);
                feed.behindTo = -1;
            } else {
                feed.behindTo = missing ? offset : -1;
            }
        } else {
            feed.behindTo = -1;
        }
    }

    /**
     * Delivers the log's entries after the feed's position through {@code to}. Where the log no
     * longer starts right after the position (trimmed, expired), subscribers are told first.
     *
     * @return false when the log could not be read (nothing delivered)
     */
    boolean fill(Feed feed, String epoch, long to) {
        long from = feed.delivered() + 1;
        if (to < from) {
            return true;
        }
        List<StreamMessage<String, String>> entries;
        try {
            entries = read(feed.shard, feed.prefix, from, to).toCompletableFuture()
                    .get(node.settings().commandTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.debug("cluster log read failed: {}", e.toString());
            return false;
        }
        long expected = from;
        for (StreamMessage<String, String> entry : entries) {
            long offset = offsetOf(entry.getId());
            if (offset != expected) {
                lost(feed, epoch, offset - 1);
            }
            deliverEntry(feed, epoch, offset, entry);
            filled.increment();
            expected = offset + 1;
        }
        if (expected <= to) {
            lost(feed, epoch, to); // the end of the range is gone too
        }
        return true;
    }

    private void deliverEntry(Feed feed, String epoch, long offset, StreamMessage<String, String> entry) {
        String kind = entry.getBody().get("k");
        if ("m".equals(kind)) {
            Message m = StoredMessages.read(entry.getBody().get("d"), new ChannelSerial(epoch, offset).wire());
            String id = m.id();
            int colon = id == null ? -1 : id.lastIndexOf(':');
            feed.deliver(router, epoch, offset, List.of(m), colon > 0 ? id.substring(0, colon) : id, m.connectionId(),
                    m.timestamp() == null ? 0 : m.timestamp());
        } else if ("p".equals(kind)) {
            try {
                deliverPresence(feed, epoch, offset, StoredMessages.JSON.readTree(entry.getBody().get("d")));
            } catch (com.fasterxml.jackson.core.JsonProcessingException unreadable) {
                log.warn("unreadable presence entry in Redis: {}", LogText.untrusted(unreadable.toString(), LogText.MESSAGE_BUDGET));
                feed.skip(router, epoch, offset);
            }
        } else {
            feed.skip(router, epoch, offset); // nothing this node delivers: only the position moves
        }
    }

    /** Entries {@code from..to} (inclusive) of a channel's log. */
    static CompletionStage<List<StreamMessage<String, String>>> read(Shard shard, String prefix, long from, long to) {
        return shard.async().xrange(RedisKeys.stream(prefix), Range.create(from + "-0", to + "-0")).toCompletableFuture();
    }

    static long offsetOf(String streamId) {
        return Long.parseLong(streamId.substring(0, streamId.indexOf('-')));
    }
}
