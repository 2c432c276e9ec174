package dev.hubbub.core.presence;

import dev.hubbub.core.protocol.PresenceMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The members of one channel, keyed by (connectionId, clientId): a map of connections, each a
 * map of clientIds. Entering, updating and leaving are O(1); removing a connection's members
 * costs only that connection's members. Iteration order is stable (insertion order). An index by
 * clientId finds one person's members across connections, and {@link #persons} is the per-clientId
 * view as told to subscribers that asked for it.
 *
 * <p>Not thread-safe: every access holds {@link #lock}. A set that became empty is {@link #retired}
 * and dropped from the registry; a retired set is never used again.
 */
final class PresenceSet {
    /** One member: its latest state as a PRESENT message, and when it leaves if its connection dropped. */
    static final class Member {
        final PresenceMessage present;
        /** Epoch millis at which a pending (grace-period) leave falls due; 0 when none is pending. */
        long leaveAt;

        Member(PresenceMessage present) { this.present = present; }
    }

    final ReentrantLock lock = new ReentrantLock();
    boolean retired;
    /** Every connection's members across all sets: told of every member added or removed here. */
    private final MemberTally tally;

    PresenceSet(MemberTally tally) { this.tally = tally; }

    private final Map<String, Map<String, Member>> byConnection = new LinkedHashMap<>();
    /** The same members by clientId, then connectionId. */
    private final Map<String, Map<String, Member>> byClient = new LinkedHashMap<>();
    /**
     * One member per clientId, as told to {@code presenceBy=clientId} subscriptions; null until the
     * channel has such a subscription (a set nobody watches per person costs nothing for it).
     */
    private PersonView persons;
    private int size;
    /** In a cluster: the connections whose members this node changes (its own); the rest are copies. */
    private java.util.Set<String> ownedHere;

    /** Marks a connection of this node (its members are changed here, never from the cluster). */
    void ownedHere(String connectionId) {
        if (ownedHere == null) {
            ownedHere = new java.util.HashSet<>(4);
        }
        ownedHere.add(connectionId);
    }

    private void disown(String connectionId) {
        if (ownedHere != null) {
            ownedHere.remove(connectionId);
        }
    }

    boolean isOwnedHere(String connectionId) { return ownedHere != null && ownedHere.contains(connectionId); }

    /** Drops the copies of other nodes' members. */
    void dropNotOwnedHere() {
        for (var it = byConnection.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!isOwnedHere(e.getKey())) {
                e.getValue().keySet().forEach(clientId -> unindex(clientId, e.getKey()));
                size -= e.getValue().size();
                tally.add(e.getKey(), -e.getValue().size());
                it.remove();
            }
        }
    }

    int size() { return size; }

    boolean isEmpty() { return size == 0; }

    /** No member, and nobody told of one: the set may go. */
    boolean isRetirable() { return size == 0 && (persons == null || persons.isEmpty()); }

    /** The per-person view, or null while nobody has asked for it. */
    PersonView persons() { return persons; }

    /** Stops keeping the per-person view (its last subscription left). */
    void dropPersons() { persons = null; }

    /**
     * The per-person view, begun from the set as it stands (everyone present taken as told) when
     * there was none: at a by-clientId subscription's SYNC, which lists exactly that, or for a new
     * empty set of a channel that has such subscriptions.
     */
    PersonView followPersons() {
        if (persons == null) {
            persons = new PersonView();
            persons.reset(this);
        }
        return persons;
    }

    /** The clientIds with at least one member. */
    java.util.Set<String> clientIds() { return byClient.keySet(); }

    /**
     * The latest state of a clientId across its connections: its member whose last enter or update
     * is the most recent (the later one in the set on a tie); null when it has none.
     */
    PresenceMessage latestOf(String clientId) {
        Map<String, Member> members = byClient.get(clientId);
        if (members == null) {
            return null;
        }
        PresenceMessage latest = null;
        for (Member m : members.values()) {
            if (latest == null || timestamp(m.present) >= timestamp(latest)) {
                latest = m.present;
            }
        }
        return latest;
    }

    private static long timestamp(PresenceMessage p) { return p.timestamp() == null ? 0 : p.timestamp(); }

    private void unindex(String clientId, String connectionId) {
        Map<String, Member> members = byClient.get(clientId);
        if (members != null && members.remove(connectionId) != null && members.isEmpty()) {
            byClient.remove(clientId);
        }
    }

    Member get(String connectionId, String clientId) {
        Map<String, Member> members = byConnection.get(connectionId);
        return members == null ? null : members.get(clientId);
    }

    /** Adds or replaces a member; any pending leave is forgotten with the old entry. */
    void put(PresenceMessage present) {
        Member member = new Member(present);
        Member previous = byConnection.computeIfAbsent(present.connectionId(), k -> new LinkedHashMap<>(4))
                .put(present.clientId(), member);
        byClient.computeIfAbsent(present.clientId(), k -> new LinkedHashMap<>(2)).put(present.connectionId(), member);
        if (previous == null) {
            size++;
            tally.add(present.connectionId(), 1);
        }
    }

    Member remove(String connectionId, String clientId) {
        Map<String, Member> members = byConnection.get(connectionId);
        if (members == null) {
            return null;
        }
        Member removed = members.remove(clientId);
        if (removed != null) {
            unindex(clientId, connectionId);
            size--;
            tally.add(connectionId, -1);
            if (members.isEmpty()) {
                byConnection.remove(connectionId);
                disown(connectionId);
            }
        }
        return removed;
    }

    /** The live view of one connection's members (clientId to member), or null when it has none. */
    Map<String, Member> membersOf(String connectionId) { return byConnection.get(connectionId); }

    /** Removes every member of one connection and returns them (empty when there were none). */
    Collection<Member> removeConnection(String connectionId) {
        Map<String, Member> removed = byConnection.remove(connectionId);
        if (removed == null) {
            return List.of();
        }
        removed.keySet().forEach(clientId -> unindex(clientId, connectionId));
        size -= removed.size();
        tally.add(connectionId, -removed.size());
        disown(connectionId);
        return removed.values();
    }

    /** Called after members were removed through {@link #membersOf}'s view. */
    void removedThroughView(String connectionId, Collection<Member> removed) {
        removed.forEach(m -> unindex(m.present.clientId(), connectionId));
        int count = removed.size();
        size -= count;
        tally.add(connectionId, -count);
        Map<String, Member> members = byConnection.get(connectionId);
        if (members != null && members.isEmpty()) {
            byConnection.remove(connectionId);
            disown(connectionId);
        }
    }

    /** Every member as a PRESENT message, in a new list (one reference per member). */
    List<PresenceMessage> snapshot() {
        List<PresenceMessage> out = new ArrayList<>(size);
        for (Map<String, Member> members : byConnection.values()) {
            for (Member m : members.values()) {
                out.add(m.present);
            }
        }
        return out;
    }

    /** Members matching the optional filters, at most {@code limit}. */
    List<PresenceMessage> query(String clientId, String connectionId, int limit) {
        List<PresenceMessage> out = new ArrayList<>(Math.min(limit, size));
        Collection<Map<String, Member>> scope;
        if (connectionId != null) {
            Map<String, Member> one = byConnection.get(connectionId);
            scope = one == null ? List.of() : List.of(one);
        } else {
            scope = byConnection.values();
        }
        for (Map<String, Member> members : scope) {
            if (clientId != null) {
                Member m = members.get(clientId);
                if (m != null && out.size() < limit) {
                    out.add(m.present);
                }
                continue;
            }
            for (Member m : members.values()) {
                if (out.size() >= limit) {
                    return out;
                }
                out.add(m.present);
            }
        }
        return out;
    }
}
