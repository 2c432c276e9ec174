package dev.hubbub.cluster;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.history.HistoryPage;
import dev.hubbub.core.history.HistoryPaging;
import dev.hubbub.core.history.HistoryQuery;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.history.Replay;
import dev.hubbub.core.protocol.Message;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The channels' shared log as a node reads it: history, rewind and the replay after a resume come
 * from Redis, so a client may resume on another node than the one it was on. Positions are this
 * node's delivered position where it delivers the channel (what an ATTACH must line up with), else
 * Redis's. Writes go through the {@link ClusterBus}, never here. Reads block the caller for at
 * most the command timeout; a replay that cannot be read is reported as lost continuity.
 */
public final class ClusterLog implements MessageLog {
    private final ClusterNode node;
    private final ClusterBus bus;

    public ClusterLog(ClusterNode node, ClusterBus bus) {
        this.node = node;
        this.bus = bus;
    }

    @Override
    public String currentSerial(ChannelKey key) {
        String delivered = bus.position(key);
        if (delivered != null) {
            return delivered;
        }
        FeedReader.Position p = await(FeedReader.position(node, node.shard(key), RedisKeys.channel(key)));
        return new ChannelSerial(p.epoch(), p.offset()).wire();
    }

    @Override
    public Replay after(ChannelKey key, String serial) {
        ChannelSerial from = ChannelSerial.parse(serial);
        if (from == null) {
            return Replay.LOST;
        }
        try {
            ChannelSerial now = ChannelSerial.parse(currentSerial(key));
            if (!now.epoch().equals(from.epoch())) {
                return Replay.LOST;
            }
            if (from.offset() >= now.offset()) {
                // nothing to replay. Ahead of this node: the client came from a node that had delivered a little
                // more (the serial is Redis's own, so nothing was lost); this node delivers those few again
                return new Replay(true, List.of());
            }
            List<StreamMessage<String, String>> entries = await(FeedReader.read(node.shard(key), RedisKeys.channel(key),
                    from.offset() + 1, now.offset()));
            return LogEntries.replay(now.epoch(), entries, from.offset(), now.offset());
        } catch (IllegalStateException unreadable) {
            return Replay.LOST;
        }
    }

    @Override
    public List<Message> latest(ChannelKey key, int count, long sinceMillis) {
        if (count <= 0) {
            return List.of();
        }
        ChannelSerial now;
        List<StreamMessage<String, String>> entries;
        String prefix = RedisKeys.channel(key);
        try {
            now = ChannelSerial.parse(currentSerial(key));
            entries = await(node.shard(key).async().xrevrange(RedisKeys.stream(prefix),
                    Range.create("0-0", now.offset() + "-0"), Limit.from(count)).toCompletableFuture());
        } catch (IllegalStateException unreadable) {
            return List.of(); // a rewind that cannot be read replays nothing rather than leaving the attach unanswered
        }
        List<StreamMessage<String, String>> ascending = new ArrayList<>(entries);
        Collections.reverse(ascending);
        return LogEntries.latest(now.epoch(), ascending, now.offset(), count, sinceMillis);
    }

    @Override
    public HistoryPage history(ChannelKey key, HistoryQuery query) { return await(historyLater(key, query)); }

    @Override
    public CompletionStage<HistoryPage> historyLater(ChannelKey key, HistoryQuery query) {
        String prefix = RedisKeys.channel(key);
        Shard shard = node.shard(key);
        return shard.async().hget(RedisKeys.meta(prefix), "e").toCompletableFuture().thenCompose(epoch -> epoch == null
                ? CompletableFuture.completedFuture(new HistoryPage(List.of(), null))
                : shard.async().xrange(RedisKeys.stream(prefix), Range.create("-", "+")).toCompletableFuture().thenApplyAsync(entries -> {
                    List<Message> kept = new ArrayList<>(entries.size());
                    for (StreamMessage<String, String> e : entries) {
                        Message m = LogEntries.message(epoch, e);
                        if (m != null) {
                            kept.add(m);
                        }
                    }
                    return HistoryPaging.page(epoch, kept, query);
                }, node.lane(key))); // decoded on the channel's lane, not on Lettuce's I/O thread
    }

    /**
     * Reads what the attach will replay without blocking the attach: the channel's position in
     * Redis, then the entries after the client's serial (or the latest, for a rewind) up to it.
     */
    @Override
    public CompletionStage<MessageLog> prepare(ChannelKey key, String channelSerial, int rewindCount) {
        ChannelSerial from = ChannelSerial.parse(channelSerial);
        if (from == null && rewindCount <= 0) {
            return CompletableFuture.completedFuture(this);
        }
        Shard shard = node.shard(key);
        String prefix = RedisKeys.channel(key);
        return shard.async().hmget(RedisKeys.meta(prefix), "e", "o").toCompletableFuture().thenCompose(values -> {
            String epoch = values.get(0).getValueOrElse(null);
            long readTo = values.get(1).hasValue() ? Long.parseLong(values.get(1).getValue()) : 0;
            if (epoch == null || (from != null && (!from.epoch().equals(epoch) || from.offset() >= readTo))) {
                return CompletableFuture.completedFuture((MessageLog) new PrefetchedLog(this, key, epoch == null ? "-" : epoch,
                        readTo, List.of()));
            }
            CompletionStage<List<StreamMessage<String, String>>> read = from != null
                    ? FeedReader.read(shard, prefix, from.offset() + 1, readTo)
                    : shard.async().xrevrange(RedisKeys.stream(prefix), Range.create("0-0", readTo + "-0"),
                            Limit.from(rewindCount + PRESENCE_SLACK)).toCompletableFuture().thenApply(desc -> {
                                List<StreamMessage<String, String>> asc = new ArrayList<>(desc);
                                Collections.reverse(asc);
                                return asc;
                            });
            return read.thenApply(entries -> (MessageLog) new PrefetchedLog(this, key, epoch, readTo, entries));
        });
    }

    /** Entries read beyond a rewind's count, for presence entries among the messages. */
    private static final int PRESENCE_SLACK = 50;

    /** Writes go through the cluster bus. */
    @Override
    public List<Message> append(ChannelKey key, List<Message> messages, Set<String> rememberIds) {
        throw new UnsupportedOperationException("a cluster appends through its ClusterBus");
    }

    /** Presence events are ordered but not numbered separately in a cluster yet: they carry the current position. */
    @Override
    public String advance(ChannelKey key) { return currentSerial(key); }

    /** De-duplication happens in the bus's publish script. */
    @Override
    public boolean isDuplicate(ChannelKey key, String id) { return false; }

    private <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(node.settings().commandTimeoutMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading the cluster's log", e);
        } catch (Exception e) {
            throw new IllegalStateException("unable to read the cluster's log: " + e.getClass().getSimpleName(), e);
        }
    }
}
