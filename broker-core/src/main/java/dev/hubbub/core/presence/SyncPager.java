package dev.hubbub.core.presence;

import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.ConnectionIds;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Cuts a presence snapshot into SYNC pages (RTP18). Each page's {@code channelSerial} is
 * {@code syncId:cursor}; the last page has an empty cursor ({@code syncId:}). The syncId is drawn
 * from {@code [A-Za-z0-9_-]} only (ably-js parses it with {@code ^([\w-]+):(.*)$}); cursors are
 * page numbers. A page closes at {@code maxMembers} members or when the next member would take it
 * past {@code maxBytes} (estimated); an empty snapshot is one empty last page.
 */
final class SyncPager {
    /** Rough per-member framing cost in bytes on top of data, clientId and extras. */
    private static final int MEMBER_OVERHEAD = 96;

    private final int maxMembers;
    private final int maxBytes;

    SyncPager(int maxMembers, int maxBytes) {
        this.maxMembers = maxMembers;
        this.maxBytes = maxBytes;
    }

    static String newSyncId() { return ConnectionIds.random(10); }

    /** Hands every page, in order, to {@code send}; returns the number of pages. */
    int page(String channel, String syncId, List<PresenceMessage> members, Consumer<ProtocolMessage> send) {
        int pages = 0;
        int start = 0;
        do {
            int end = start;
            long bytes = 0;
            while (end < members.size() && end - start < maxMembers) {
                long cost = estimate(members.get(end));
                if (end > start && bytes + cost > maxBytes) {
                    break;
                }
                bytes += cost;
                end++;
            }
            boolean last = end >= members.size();
            pages++;
            String cursor = last ? "" : Integer.toString(pages);
            send.accept(ProtocolMessage.presence(Action.SYNC, channel, null, null, null, syncId + ':' + cursor,
                    new ArrayList<>(members.subList(start, end))));
            start = end;
        } while (start < members.size());
        return pages;
    }

    static long estimate(PresenceMessage p) {
        return (long) p.size() + MEMBER_OVERHEAD + (p.id() == null ? 0 : p.id().length())
                + (p.connectionId() == null ? 0 : p.connectionId().length());
    }
}
