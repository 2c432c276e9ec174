package dev.hubbub.cluster;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.history.HistoryPage;
import dev.hubbub.core.history.HistoryQuery;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.history.Replay;
import dev.hubbub.core.protocol.Message;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.Collections;
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
        long expected = from.offset() + 1;
        List<Message> out = new ArrayList<>();
        for (StreamMessage<String, String> e : entries) {
            long offset = FeedReader.offsetOf(e.getId());
            if (offset <= from.offset()) {
                continue;
            }
            if (offset > p.offset()) {
                break;
            }
            if (offset != expected) {
                return Replay.LOST;
            }
            expected++;
            if ("m".equals(e.getBody().get("k"))) {
                out.add(StoredMessages.read(e.getBody().get("d"), new ChannelSerial(epoch, offset).wire()));
            }
        }
        return expected == p.offset() + 1 ? new Replay(true, out) : Replay.LOST;
    }

    @Override
    public List<Message> latest(ChannelKey k, int count, long sinceMillis) {
        ChannelSerial p = coveredPosition(k);
        if (p == null) {
            return shared.latest(k, count, sinceMillis);
        }
        List<Message> out = new ArrayList<>();
        for (int i = entries.size() - 1; i >= 0 && out.size() < count; i--) {
            StreamMessage<String, String> e = entries.get(i);
            long offset = FeedReader.offsetOf(e.getId());
            if (offset > p.offset() || !"m".equals(e.getBody().get("k"))) {
                continue;
            }
            Message m = StoredMessages.read(e.getBody().get("d"), new ChannelSerial(epoch, offset).wire());
            if (m.timestamp() != null && m.timestamp() < sinceMillis) {
                break;
            }
            out.add(m);
        }
        Collections.reverse(out);
        return out;
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
