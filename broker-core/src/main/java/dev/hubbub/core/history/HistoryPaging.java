package dev.hubbub.core.history;

import dev.hubbub.core.protocol.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;

/**
 * One page of history out of a channel's kept messages, wherever they are kept: the query's
 * direction, time window, attach point ({@code untilAttach}) and cursor, the same for every
 * {@link MessageLog}.
 */
public final class HistoryPaging {
    private HistoryPaging() {}

    /**
     * @param epoch  the epoch of the log the messages come from
     * @param kept   the channel's kept messages, oldest first, each with its serial
     */
    public static HistoryPage page(String epoch, List<Message> kept, HistoryQuery q) {
        ChannelSerial until = ChannelSerial.parse(q.untilSerial());
        ChannelSerial cursor = ChannelSerial.parse(q.cursor());
        if (cursor != null && !cursor.epoch().equals(epoch)) {
            return new HistoryPage(List.of(), null); // the log the earlier pages came from is gone: nothing follows them
        }
        long untilOffset = until != null && until.epoch().equals(epoch) ? until.offset() : Long.MAX_VALUE;
        if ((until != null && !until.epoch().equals(epoch)) || (until == null && q.untilSerial() != null)) {
            untilOffset = -1; // an attach point of another epoch (or none that parses): nothing of this log is before it
        }
        List<Message> items = new ArrayList<>();
        ListIterator<Message> it = kept.listIterator(q.backwards() ? kept.size() : 0);
        boolean more = false;
        while (q.backwards() ? it.hasPrevious() : it.hasNext()) {
            Message m = q.backwards() ? it.previous() : it.next();
            long offset = ChannelSerial.parse(m.serial()).offset();
            if (offset > untilOffset) {
                continue;
            }
            if (cursor != null && (q.backwards() ? offset >= cursor.offset() : offset <= cursor.offset())) {
                continue;
            }
            long ts = m.timestamp() == null ? 0 : m.timestamp();
            if ((q.start() != null && ts < q.start()) || (q.end() != null && ts > q.end())) {
                continue;
            }
            if (items.size() == q.limit()) {
                more = true;
                break;
            }
            items.add(m);
        }
        return new HistoryPage(items, more ? q.after(items.get(items.size() - 1).serial()) : null);
    }
}
