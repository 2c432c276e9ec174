package dev.hubbub.cluster;

import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.history.Replay;
import dev.hubbub.core.protocol.Message;
import io.lettuce.core.StreamMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Reading a run of a channel's log entries (oldest first, as XRANGE gives them) as messages. */
final class LogEntries {
    private LogEntries() {}

    /**
     * The messages after offset {@code from} through {@code to}, when the entries hold every
     * offset in between (presence entries count, and are left out); otherwise lost continuity.
     */
    static Replay replay(String epoch, List<StreamMessage<String, String>> entries, long from, long to) {
        long expected = from + 1;
        List<Message> out = new ArrayList<>();
        for (StreamMessage<String, String> e : entries) {
            long offset = FeedReader.offsetOf(e.getId());
            if (offset <= from) {
                continue;
            }
            if (offset > to) {
                break;
            }
            if (offset != expected) {
                return Replay.LOST;
            }
            expected++;
            Message m = message(epoch, e);
            if (m != null) {
                out.add(m);
            }
        }
        return expected == to + 1 ? new Replay(true, out) : Replay.LOST;
    }

    /** The last {@code count} messages at or before offset {@code to}, none older than {@code sinceMillis}, oldest first. */
    static List<Message> latest(String epoch, List<StreamMessage<String, String>> entries, long to, int count, long sinceMillis) {
        List<Message> out = new ArrayList<>();
        for (int i = entries.size() - 1; i >= 0 && out.size() < count; i--) {
            StreamMessage<String, String> e = entries.get(i);
            Message m = FeedReader.offsetOf(e.getId()) > to ? null : message(epoch, e);
            if (m == null) {
                continue;
            }
            if (m.timestamp() != null && m.timestamp() < sinceMillis) {
                break;
            }
            out.add(m);
        }
        Collections.reverse(out);
        return out;
    }

    /** The entry as a message with its serial, or null when it is not one (a presence entry). */
    static Message message(String epoch, StreamMessage<String, String> e) {
        return "m".equals(e.getBody().get("k"))
                ? StoredMessages.read(e.getBody().get("d"), new ChannelSerial(epoch, FeedReader.offsetOf(e.getId())).wire())
                : null;
    }
}
