package dev.hubbub.core.presence;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many members each connection has in this node's presence sets, all channels together, kept
 * by the sets as they change: what the per-connection member cap is checked against. Connections
 * without members have no entry. Thread-safe (each set changes it under its own lock).
 */
final class MemberTally {
    private final ConcurrentHashMap<String, Integer> byConnection = new ConcurrentHashMap<>();

    void add(String connectionId, int delta) {
        if (delta > 0) {
            byConnection.merge(connectionId, delta, Integer::sum);
        } else if (delta < 0) {
            byConnection.computeIfPresent(connectionId, (k, n) -> n + delta > 0 ? n + delta : null);
        }
    }

    /** The connection's members, all channels together. */
    int of(String connectionId) { return byConnection.getOrDefault(connectionId, 0); }

    /** Connections with at least one member (for tests: an entry per connection with members, none left over). */
    int connections() { return byConnection.size(); }
}
