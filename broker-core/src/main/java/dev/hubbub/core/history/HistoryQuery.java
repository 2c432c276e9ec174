package dev.hubbub.core.history;

/**
 * A history request (RSL2): a time window, a direction, a page size, and where the page starts.
 *
 * @param start      earliest timestamp (ms, inclusive), or null
 * @param end        latest timestamp (ms, inclusive), or null
 * @param backwards  newest first (the default) or oldest first
 * @param limit      page size, 1..1000
 * @param untilSerial only messages at or before this serial (untilAttach's attachSerial), or null
 * @param cursor     the page starts after this serial (exclusive, in the page's direction), or null for the first page
 */
public record HistoryQuery(Long start, Long end, boolean backwards, int limit, String untilSerial, String cursor) {
    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 1000;

    public HistoryQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT);
        }
        if (start != null && end != null && start > end) {
            throw new IllegalArgumentException("start must not be after end");
        }
    }

    /** The same query for the page after {@code serial}. */
    public HistoryQuery after(String serial) { return new HistoryQuery(start, end, backwards, limit, untilSerial, serial); }
}
