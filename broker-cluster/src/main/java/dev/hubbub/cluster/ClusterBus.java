package dev.hubbub.cluster;

import dev.hubbub.core.log.LogText;
import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.channel.ChannelBus;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PublishResult;
import io.lettuce.core.RedisCommandTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's bus: a publish is one script run on the channel's Redis server (next offsets,
 * append to the channel's log, announce), and the publisher is answered with Redis's reply; every
 * node, the publisher's own included, delivers from the announcements, in offset order, through
 * the channel's {@link Feed}. A node subscribes to a channel only while it has subscribers for it
 * (and a little longer), and answers ATTACH only once its subscription holds. Never falls back to
 * delivering locally: when Redis cannot be reached, publishes are refused (50002) or time out
 * (50003), and {@link #healthy} says so.
 */
public final class ClusterBus implements ChannelBus {
    private static final Logger log = LoggerFactory.getLogger(ClusterBus.class);

    private final ClusterNode node;
    private final ChannelRouter router;
    private final Script publish = Script.load("publish.lua");
    private final Script positions = Script.load("positions.lua");
    private final Map<ChannelKey, Feed> feeds = new ConcurrentHashMap<>();
    private final Map<String, Feed> byChannel = new ConcurrentHashMap<>();
    private final FeedReader reader;
    private volatile dev.hubbub.core.presence.PresenceService presence;

    public ClusterBus(ClusterNode node, ChannelRouter router) {
        this.node = node;
        this.router = router;
        this.reader = new FeedReader(node, router);
        node.onAnnouncement(this::announced);
        node.onReconnect(this::catchUpAll);
        node.every(node.settings().pollMillis(), this::check);
    }

    @Override
    public void publish(Publication p, Consumer<Outcome<PublishResult>> done) {
        Shard shard = node.shard(p.key());
        if (!shard.reachable()) {
            done.accept(Outcome.fail(ErrorCode.CLUSTER_UNREACHABLE.info("Unable to publish: the cluster's storage is unreachable")));
            return;
        }
        String prefix = RedisKeys.channel(p.key());
        List<Message> messages = p.messages();
        String[] args = new String[9 + 2 * messages.size()];
        args[0] = RedisKeys.freshEpoch();
        args[1] = Long.toString(node.settings().retainMillis());
        args[2] = Integer.toString(node.settings().maxMessagesPerChannel());
        args[3] = RedisKeys.feed(prefix);
        args[4] = Long.toString(node.settings().dedupeMillis());
        args[5] = RedisKeys.ids(prefix);
        args[6] = "\"b\":" + StoredMessages.literal(p.idBase()) + ",\"p\":" + StoredMessages.literal(p.publisherId())
                + ",\"t\":" + p.timestamp();
        args[7] = "m";
        args[8] = Integer.toString(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            args[9 + 2 * i] = m.id() != null && p.clientIds().contains(m.id()) ? m.id() : "";
            args[10 + 2 * i] = StoredMessages.write(m);
        }
        String answerKey = p.publisherId() != null ? RedisKeys.answer(prefix, p.idBase()) : "";
        shard.script(publish, new String[] {RedisKeys.meta(prefix), RedisKeys.stream(prefix), answerKey}, args)
                .whenComplete((reply, failure) -> done.accept(failure == null ? Outcome.ok(serials(reply, messages.size()))
                        : Outcome.fail(failed(failure))));
    }

    /**
     * Presence through the cluster: events this node makes go to Redis ({@link ClusterPresence}),
     * and every node's copy of each set follows the channel's order.
     */
    public void deliverPresenceTo(dev.hubbub.core.presence.PresenceService presence) {
        this.presence = presence;
        reader.presence(presence);
    }

    /** The serials of an answer {@code epoch|first|flags}: one per message, null for a duplicate. */
    static PublishResult serials(List<Object> reply, int count) {
        String[] parts = String.valueOf(reply.get(1)).split("\\|", 3);
        long next = Long.parseLong(parts[1]);
        List<String> serials = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            serials.add(i < parts[2].length() && parts[2].charAt(i) == '1' ? new ChannelSerial(parts[0], next++).wire() : null);
        }
        return new PublishResult(serials);
    }

    /** When a failed publish was last logged (ms), so a storm is one line every few seconds, not one per publish. */
    private static final java.util.concurrent.atomic.AtomicLong lastWarned = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.LongAdder unwarned = new java.util.concurrent.atomic.LongAdder();

    static ErrorInfo failed(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        long now = System.currentTimeMillis();
        long last = lastWarned.get();
        unwarned.increment();
        if (now - last >= 5_000 && lastWarned.compareAndSet(last, now)) {
            log.warn("cluster storage refused or did not confirm {} write(s) in the last few seconds (latest: {}); NACKed 5xxxx",
                    unwarned.sumThenReset(), cause.getClass().getSimpleName());
        }
        if (cause instanceof RedisCommandTimeoutException) {
            return ErrorCode.TIMEOUT.info("Not confirmed in time by the cluster's storage; retry");
        }
        log.debug("cluster publish failed: {}", cause.toString());
        return ErrorCode.CLUSTER_UNREACHABLE.info("The cluster's storage is unreachable");
    }

    @Override
    public void open(ChannelKey key, Runnable live, Consumer<ErrorInfo> failed) {
        node.lane(key).execute(() -> {
            Feed feed = feeds.get(key);
            if (feed == null || feed.state == Feed.State.CLOSED) {
                feed = new Feed(key, node.shard(key));
                feeds.put(key, feed);
                byChannel.put(feed.channel, feed);
                subscribe(feed);
            }
            feed.idleSince = 0;
            if (feed.state == Feed.State.LIVE) {
                live.run();
            } else {
                feed.waiting.add(live);
                feed.refusals.add(failed);
            }
        });
    }

    private void subscribe(Feed feed) {
        feed.shard.subscribe(feed.channel).whenComplete((ok, failure) -> node.lane(feed.key).execute(() -> {
            if (failure != null) {
                refuse(feed, failure);
                return;
            }
            reader.position(feed).whenComplete((pos, failure2) -> node.lane(feed.key).execute(() -> {
                if (failure2 != null) {
                    refuse(feed, failure2);
                    return;
                }
                var p = presence;
                if (p != null) {
                    p.seed(feed.key, pos.members()); // the members as they stand where delivery starts
                }
                feed.start(router, pos.epoch(), pos.offset());
                feed.state = Feed.State.LIVE;
                for (JsonNode a : feed.early) {
                    reader.apply(feed, a);
                }
                feed.early.clear();
                feed.waiting.forEach(Runnable::run);
                feed.waiting.clear();
                feed.refusals.clear();
            }));
        }));
    }

    private void refuse(Feed feed, Throwable failure) {
        log.debug("cluster subscription to a channel failed: {}", failure.toString());
        ErrorInfo error = ErrorCode.CLUSTER_UNREACHABLE.info("Unable to attach: the cluster's storage is unreachable");
        close(feed);
        feed.refusals.forEach(r -> r.accept(error));
        feed.waiting.clear();
        feed.refusals.clear();
    }

    private void close(Feed feed) {
        var p = presence;
        if (p != null && feed.state == Feed.State.LIVE) {
            p.forgetReplicas(feed.key); // no longer kept up to date here
        }
        feed.state = Feed.State.CLOSED;
        feeds.remove(feed.key, feed);
        byChannel.remove(feed.channel, feed);
        feed.shard.unsubscribe(feed.channel);
    }

    /** An announcement from Redis (Lettuce's thread): handed to the channel's lane, read there. */
    private void announced(String channel, String payload) {
        Feed feed = byChannel.get(channel);
        if (feed == null) {
            return;
        }
        noteReceived(feed, payload);
        node.lane(feed.key).execute(() -> {
            if (feed.state == Feed.State.CLOSED) {
                return;
            }
            JsonNode a;
            try {
                a = StoredMessages.JSON.readTree(payload);
            } catch (Exception e) {
                log.warn("unreadable announcement on a cluster channel: {}", LogText.untrusted(e.toString(), LogText.MESSAGE_BUDGET));
                return; // the next check fetches the entry from the log
            }
            if (feed.state == Feed.State.LIVE) {
                reader.apply(feed, a);
            } else {
                feed.early.add(a);
            }
        });
    }

    /**
     * Reads the head every announcement starts with, {@code {"e":"EPOCH","o":FIRST,"n":COUNT,},
     * without parsing the rest (that is the lane's work), so a check knows what has arrived.
     */
    private static void noteReceived(Feed feed, String payload) {
        int e = payload.indexOf("\"e\":\"");
        int eEnd = e < 0 ? -1 : payload.indexOf('"', e + 5);
        int o = payload.indexOf("\"o\":", eEnd);
        int n = payload.indexOf(",\"n\":", o);
        int nEnd = n < 0 ? -1 : payload.indexOf(',', n + 5);
        if (e < 0 || eEnd < 0 || o < 0 || n < 0 || nEnd < 0) {
            return;
        }
        try {
            feed.received(payload.substring(e + 5, eEnd), Long.parseLong(payload.substring(o + 4, n)),
                    Long.parseLong(payload.substring(n + 5, nEnd)));
        } catch (NumberFormatException ignored) {
            // unreadable head: the lane reports the announcement, the check fetches it from the log
        }
    }

    /**
     * Every second: keeps each delivered channel's position alive in Redis, fills what the
     * announcements missed (a loss persisting over two checks, so one in flight is not refetched),
     * and lets go of channels this node has had no subscriber for since {@code lingerMillis}. The
     * positions come in one script call per server for up to {@value #CHECK_BATCH} channels.
     */
    private void check() {
        long now = System.nanoTime();
        Map<Shard, List<Feed>> byShard = new java.util.HashMap<>();
        for (Feed feed : feeds.values()) {
            if (feed.state == Feed.State.LIVE) {
                byShard.computeIfAbsent(feed.shard, s -> new ArrayList<>()).add(feed);
            }
        }
        byShard.forEach((shard, list) -> {
            for (int from = 0; from < list.size(); from += CHECK_BATCH) {
                List<Feed> batch = list.subList(from, Math.min(list.size(), from + CHECK_BATCH));
                String[] keys = new String[2 * batch.size()];
                for (int i = 0; i < batch.size(); i++) {
                    keys[2 * i] = RedisKeys.meta(batch.get(i).prefix);
                    keys[2 * i + 1] = RedisKeys.stream(batch.get(i).prefix);
                }
                shard.script(positions, keys, Long.toString(node.settings().retainMillis()), RedisKeys.freshEpoch())
                        .whenComplete((r, failure) -> {
                            if (failure != null) {
                                log.debug("cluster position check failed: {}", failure.toString());
                                return;
                            }
                            for (int i = 0; i < batch.size(); i++) {
                                Feed feed = batch.get(i);
                                String epoch = String.valueOf(r.get(2 * i));
                                long offset = Long.parseLong(String.valueOf(r.get(2 * i + 1)));
                                if (feed.checkQueued.compareAndSet(false, true)) { // one check at a time per channel
                                    node.lane(feed.key).execute(() -> {
                                        feed.checkQueued.set(false);
                                        checked(feed, epoch, offset, now);
                                    });
                                }
                            }
                        });
            }
        });
    }

    private static final int CHECK_BATCH = 200;

    private void checked(Feed feed, String epoch, long offset, long now) {
        if (feed.state != Feed.State.LIVE) {
            return;
        }
        if (router.find(feed.key) != null) {
            feed.idleSince = 0;
        } else if (feed.idleSince == 0) {
            feed.idleSince = now;
        } else if (now - feed.idleSince > node.settings().lingerMillis() * 1_000_000L) {
            close(feed);
            return;
        }
        reader.compare(feed, epoch, offset, false);
    }

    /** The pub/sub connection is back (Redis restarted, say): whatever was announced meanwhile is fetched now. */
    private void catchUpAll() {
        for (Feed feed : feeds.values()) {
            node.lane(feed.key).execute(() -> {
                if (feed.state == Feed.State.LIVE) {
                    reader.check(feed);
                }
            });
        }
    }

    /** The position this node has delivered a channel up to, when it delivers it (else null). */
    String position(ChannelKey key) {
        Feed feed = feeds.get(key);
        return feed != null && feed.state == Feed.State.LIVE ? feed.position() : null;
    }

    @Override
    public boolean healthy() { return node.reachable(); }

    /** Channels this node delivers now (diagnostics, tests). */
    public int feedCount() { return feeds.size(); }

    /** Entries this node delivered from the log because their announcement never came (metrics). */
    public long filledFromLog() { return reader.filled(); }

    /** Times this node told a channel's subscribers that continuity broke (metrics). */
    public long continuityLost() { return reader.lost(); }
}
