package dev.hubbub.cluster;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.history.HistoryPage;
import dev.hubbub.core.history.HistoryQuery;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.history.Replay;
import dev.hubbub.core.protocol.Message;
import io.lettuce.core.StreamMessage;
import java.util.List;
import java.util.Set;

/**
 * What one ATTACH replays, read from Redis before the attach runs: the log's entries up to the
 * position Redis had when they were read ({@code readTo}). The attach plans its replay under the
 * channel's order lock against this node's delivered position P: everything up to P comes from
 * here, everything after P is delivered live. Only when P has already passed {@code readTo} (the
 * node delivered more in between, a narrow window) does it read the rest from Redis there and then.
 */
final class PrefetchedLog implements MessageLog {
    private final ClusterLog shared;
    private final ChannelKey key;
    private final String epoch;
    private final long readTo;
    /** Entries read, oldest first. */
    private final List<StreamMessage<String, String>> entries;

    PrefetchedLog(ClusterLog shared, ChannelKey key, String epoch, long readTo, List<StreamMessage<String, String>> entries) {
        this.shared = shared;
        this.key = key;
        this.epoch = epoch;
        this.readTo = readTo;
        this.entries = entries;
    }

    @Override
    public String currentSerial(ChannelKey k) { return shared.currentSerial(k); }

    /** This node's delivered position when it is covered by what was read, else null. */
    private ChannelSerial coveredPosition(ChannelKey k) {
        if (!k.equals(key)) {
            return null;
        }
        ChannelSerial p = ChannelSerial.parse(shared.currentSerial(k));
        return p != null && p.epoch().equals(epoch) && p.offset() <= readTo ? p : null;
    }

    @Override
    public Replay after(ChannelKey k, String serial) {
        ChannelSerial p = coveredPosition(k);
        ChannelSerial from = ChannelSerial.parse(serial);
        if (p == null || from == null) {
            return p == null ? shared.after(k, serial) : Replay.LOST;
        }
        if (!from.epoch().equals(epoch)) {
            return Replay.LOST;
        }
        if (from.offset() >= p.offset()) {
            return new Replay(true, List.of()); // the client is where this node is, or ahead: see ClusterLog.after
        }
        return LogEntries.replay(epoch, entries, from.offset(), p.offset());
    }

    @Override
    public List<Message> latest(ChannelKey k, int count, long sinceMillis) {
        ChannelSerial p = coveredPosition(k);
        if (p == null) {
            return shared.latest(k, count, sinceMillis);
        }
        return LogEntries.latest(epoch, entries, p.offset(), count, sinceMillis);
    }

    @Override
    public HistoryPage history(ChannelKey k, HistoryQuery query) { return shared.history(k, query); }

    @Override
    public List<Message> append(ChannelKey k, List<Message> messages, Set<String> rememberIds) {
        return shared.append(k, messages, rememberIds);
    }

    @Override
    public String advance(ChannelKey k) { return shared.advance(k); }

    @Override
    public boolean isDuplicate(ChannelKey k, String id) { return shared.isDuplicate(k, id); }
}
