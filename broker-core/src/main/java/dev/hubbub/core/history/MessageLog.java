package dev.hubbub.core.history;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.Message;
import java.util.List;

/**
 * The ordered log of every channel: it gives each message and presence event its position
 * ({@link ChannelSerial}), keeps recent messages for history, rewind and replay after a dropped
 * connection, and remembers recent message ids to drop duplicates. The embedded default is
 * {@link InMemoryMessageLog}; a cluster puts it in shared storage behind the same interface.
 *
 * <p>Order: callers serialise the writes of one channel (the channel's lock); reads may run at any
 * time and see a prefix of the channel's order. Thread-safe across channels.
 */
public interface MessageLog {
    /** The channel's position now (what an ATTACHED carries); a channel never written has offset 0 of a fresh epoch. */
    String currentSerial(ChannelKey key);

    /**
     * Appends one publish's messages (already stamped with id, connectionId and timestamp) and
     * gives each the next serial.
     *
     * @param rememberIds the ids {@link #isDuplicate} is to know for the de-duplication window
     *                    (those the client chose; ids the broker made need no remembering)
     * @return the messages as stored, each with its serial
     */
    List<Message> append(ChannelKey key, List<Message> messages, java.util.Set<String> rememberIds);

    /** {@link #append(ChannelKey, List, java.util.Set)} remembering every message's id. */
    default List<Message> append(ChannelKey key, List<Message> messages) {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (Message m : messages) {
            if (m.id() != null) {
                ids.add(m.id());
            }
        }
        return append(key, messages, ids);
    }

    /**
     * One channel's log for a caller that appends to it often (the channel itself, while it lives):
     * its appends skip finding the log by key, a map lookup and a comparison of names per publish.
     * Appends through it follow {@link #append}'s rules and order, and land where {@link #append}
     * would. The default finds the log by key each time.
     */
    default Appender appender(ChannelKey key) {
        return (messages, rememberIds) -> append(key, messages, rememberIds);
    }

    /** See {@link #appender}. */
    interface Appender {
        /** As {@link MessageLog#append(ChannelKey, List, java.util.Set)} on the appender's channel. */
        List<Message> append(List<Message> messages, java.util.Set<String> rememberIds);
    }

    /** Takes the next position for an event that is ordered but not kept (a presence event). */
    String advance(ChannelKey key);

    /** Every kept message after {@code serial}, oldest first, or {@link Replay#LOST} when the log cannot vouch for them all. */
    Replay after(ChannelKey key, String serial);

    /**
     * The most recent messages for a rewind, oldest first: at most {@code count}, none older than
     * {@code sinceMillis} (epoch ms; 0 for no bound).
     */
    List<Message> latest(ChannelKey key, int count, long sinceMillis);

    /** A page of history. */
    HistoryPage history(ChannelKey key, HistoryQuery query);

    /** A page of history, read without blocking the caller where the log is elsewhere (completes on any thread). */
    default java.util.concurrent.CompletionStage<HistoryPage> historyLater(ChannelKey key, HistoryQuery query) {
        return java.util.concurrent.CompletableFuture.completedFuture(history(key, query));
    }

    /**
     * Reads ahead, off the caller's thread, what an ATTACH is about to replay ({@code channelSerial}
     * to resume from, or the last {@code rewindCount} messages), for a log whose reads are slow (a
     * cluster's, in Redis): the log it completes with answers {@link #after} and {@link #latest}
     * for that attach from what it read, so the attach, which runs under the channel's order lock
     * on an I/O thread, does not wait for storage. A log in memory is its own answer.
     *
     * @param channelSerial the serial to resume from, or null
     * @param rewindCount   messages a rewind asks for (0: none)
     */
    default java.util.concurrent.CompletionStage<MessageLog> prepare(ChannelKey key, String channelSerial, int rewindCount) {
        return java.util.concurrent.CompletableFuture.completedFuture(this);
    }

    /** Whether a message with this id was published on the channel within the de-duplication window. */
    boolean isDuplicate(ChannelKey key, String id);
}
