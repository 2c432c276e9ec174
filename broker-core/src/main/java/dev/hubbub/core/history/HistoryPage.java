package dev.hubbub.core.history;

import dev.hubbub.core.protocol.Message;
import java.util.List;

/** One page of history, in the query's direction, and the query for the next page (null: no more). */
public record HistoryPage(List<Message> items, HistoryQuery next) {
    public HistoryPage {
        items = List.copyOf(items);
    }
}
