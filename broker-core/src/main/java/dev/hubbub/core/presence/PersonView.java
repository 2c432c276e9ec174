package dev.hubbub.core.presence;

import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One channel's presence as subscriptions with {@code presenceBy=clientId} see it: one member per
 * clientId (a person), whatever the number of connections it is present from. Part of a
 * {@link PresenceSet} and guarded by its lock.
 *
 * <p>What the SDKs need. Both key members by connectionId and clientId, and drop an event for a
 * member they hold unless it is newer (RTP2b): by the (msgSerial, index) of ids that start with the
 * event's connectionId, else by timestamp (ably-js takes an equal timestamp as newer, ably-java
 * does not). So a person is always told under one stand-in connectionId, {@link #standIn}, made
 * from the clientId alone (the same on every node and after every reconnect; never a real
 * connection's id, no {@code ':'}), and each event keeps the id of the event that caused it, which
 * never starts with the stand-in: the SDKs then order a person's events by timestamp, and every
 * event after the first is given a timestamp strictly after the one before it.
 *
 * <p>What is told: ENTER when a clientId's first member enters; UPDATE when its latest state (the
 * data, encoding and extras of its member entered or updated last) changes, which includes the
 * latest member leaving while others stay; LEAVE (with the last data told) when its last member
 * leaves, so after the grace period when that connection dropped. A SYNC lists {@link #told}.
 *
 * <p>Derived from the set, not from the events alone: {@link #follow} compares, for each clientId
 * an event is about, the set's state with what was last told. In a cluster every node holds the
 * whole set and derives the view for its own subscribers as each change reaches it in the
 * channel's order; a node's own connections' changes are in its set a little before their events
 * come back from the cluster, so it may fold a quick succession of them into one event, never
 * miss the last one.
 */
final class PersonView {
    private static final String STAND_IN_PREFIX = "person-";

    /** clientId: the member last told to by-clientId subscribers (PRESENT, under its stand-in). */
    private final Map<String, PresenceMessage> told = new LinkedHashMap<>();

    boolean isEmpty() { return told.isEmpty(); }

    /** Everyone present in this view, as PRESENT messages, for a SYNC. */
    List<PresenceMessage> snapshot() { return new ArrayList<>(told.values()); }

    /**
     * The events by-clientId subscribers get for {@code events}, a frame of the per-connection view
     * the set already reflects: for each clientId they are about (in order of first mention), at
     * most one ENTER, UPDATE or LEAVE. Empty when the view did not change.
     */
    List<PresenceMessage> follow(PresenceSet set, List<PresenceMessage> events) {
        Map<String, PresenceMessage> causes = new LinkedHashMap<>();
        for (PresenceMessage e : events) {
            if (e.clientId() != null) {
                causes.put(e.clientId(), e);
            }
        }
        List<PresenceMessage> out = new ArrayList<>(causes.size());
        for (Map.Entry<String, PresenceMessage> c : causes.entrySet()) {
            PresenceMessage event = change(c.getKey(), set.latestOf(c.getKey()), c.getValue());
            if (event != null) {
                out.add(event);
            }
        }
        return out;
    }

    /** Forgets what was told and takes the set's state as told, with no events (a cluster reseeding its copy). */
    void reset(PresenceSet set) {
        told.clear();
        for (String clientId : set.clientIds()) {
            PresenceMessage latest = set.latestOf(clientId);
            if (latest != null) {
                told.put(clientId, latest.with(PresenceAction.PRESENT, latest.id(), standIn(clientId), timestamp(latest)));
            }
        }
    }

    /** The event that takes the view of {@code clientId} from what was told to {@code latest} (null: none). */
    private PresenceMessage change(String clientId, PresenceMessage latest, PresenceMessage cause) {
        PresenceMessage before = told.get(clientId);
        long at = timestamp(cause);
        if (latest == null) {
            if (before == null) {
                return null;
            }
            told.remove(clientId);
            return new PresenceMessage(cause.id(), PresenceAction.LEAVE, clientId, before.connectionId(), before.data(),
                    before.encoding(), before.extras(), Math.max(at, timestamp(before) + 1));
        }
        if (before == null) {
            PresenceMessage enter = latest.with(PresenceAction.ENTER, cause.id(), standIn(clientId), Math.max(at, timestamp(latest)));
            told.put(clientId, enter.with(PresenceAction.PRESENT, enter.id(), enter.connectionId(), enter.timestamp()));
            return enter;
        }
        if (PresenceService.sameContent(before, latest)) {
            return null;
        }
        PresenceMessage update = latest.with(PresenceAction.UPDATE, cause.id(), before.connectionId(),
                Math.max(at, timestamp(before) + 1));
        told.put(clientId, update.with(PresenceAction.PRESENT, update.id(), update.connectionId(), update.timestamp()));
        return update;
    }

    private static long timestamp(PresenceMessage p) { return p.timestamp() == null ? 0 : p.timestamp(); }

    /**
     * The connectionId a clientId's person is told under: {@code person-} and 22 characters of
     * {@code [A-Za-z0-9_-]} from a SHA-256 of the clientId. Longer than a real connectionId (12), so
     * never one, and never the start of an id the broker makes.
     */
    static String standIn(String clientId) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(clientId.getBytes(StandardCharsets.UTF_8));
            return STAND_IN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(hash, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
