package dev.hubbub.core.presence;

import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.channel.PresenceView;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.identity.IdentityGate;
import dev.hubbub.core.log.LogText;
import dev.hubbub.core.identity.Provenance;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.publish.Admission;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence for every channel: who is present, the PRESENCE and SYNC flows, and members leaving.
 * Presence sets live here, keyed by {@link ChannelKey}, not in the {@link ChannelRouter}: members
 * in their grace period outlive a channel's last subscriber. A set is removed when it empties.
 *
 * <p>Threading: any thread may call any method. Each channel's set has one lock; a change and the
 * hand-off of the frames it causes (broadcast, ATTACHED + SYNC pages) happen under it, so every
 * recipient sees one order: a SYNC snapshot is followed only by events that came after it, never
 * interleaved with them. Frames are only enqueued under the lock ({@code Transport.send} never
 * blocks); no two set locks are ever held at once. A broadcast takes the channel's order lock
 * inside the set's lock (so presence frames have their place among the channel's serials); the
 * order lock is never held while taking a set's lock.
 *
 * <p>Ids: an event a client caused has {@code connectionId:msgSerial:index}. A LEAVE the broker
 * makes (DETACH, CLOSE, grace expiry, lost capability) has {@code synthetic-leave:...}, which does not
 * start with the member's connectionId, so clients order it by timestamp; its timestamp is kept
 * strictly after the member's last event. Client-supplied ids are ignored.
 *
 * <p>Views: subscriptions attached with {@code presenceBy=clientId} see one member per clientId
 * ({@link PersonView}, kept with each set); every change is told to both views from the same place
 * under the same lock, so each keeps its own order and its SYNC matches the events that follow.
 */
public final class PresenceService {
    private static final Logger log = LoggerFactory.getLogger(PresenceService.class);
    /** Stored at once: the answer of a single node (nothing to wait for). */
    private static final CompletionStage<ErrorInfo> STORED = CompletableFuture.completedFuture(null);
    static final String SYNTHETIC_LEAVE_PREFIX = "synthetic-leave:";

    private final ChannelRouter router;
    private final MessageLog messageLog;
    private final Clock clock;
    private final PresenceTimers timers;
    private final PresenceSettings settings;
    /** The checks a PRESENCE frame passes before it touches a set. */
    private final PresenceAdmission checks;
    private final SyncPager pager;
    private final PresenceSets sets;
    /** Each connection's members across all sets, for the per-connection cap. */
    /** Null on one node (events are fanned out here); a cluster's relay otherwise. */
    private volatile PresenceRelay relay;

    /** Without provenance headers anywhere. */
    public PresenceService(ChannelRouter router, MessageLog log, Admission admission, IdentityGate gate, Clock clock,
                           PresenceTimers timers, PresenceSettings settings) {
        this(router, log, admission, gate, clock, timers, settings, Provenance.OFF);
    }

    public PresenceService(ChannelRouter router, MessageLog log, Admission admission, IdentityGate gate, Clock clock,
                           PresenceTimers timers, PresenceSettings settings, Provenance provenance) {
        this.router = Objects.requireNonNull(router);
        this.sets = new PresenceSets(router);
        this.messageLog = Objects.requireNonNull(log);
        this.clock = Objects.requireNonNull(clock);
        this.timers = Objects.requireNonNull(timers);
        this.settings = Objects.requireNonNull(settings);
        this.checks = new PresenceAdmission(admission, gate, provenance);
        this.pager = new SyncPager(settings.syncPageMembers(), settings.syncPageBytes());
    }

    public PresenceSettings settings() { return settings; }

    /** In a cluster: events go through {@code r}, and come back to every node through {@link #replicated}. */
    public void relayThrough(PresenceRelay r) { this.relay = r; }

    /** The grace period for a connection that asked for {@code remainPresentFor} ms (null: default), clamped. */
    public long graceFor(Long remainPresentFor) { return settings.graceFor(remainPresentFor); }

    /**
     * A client's PRESENCE frame: the checks of {@link PresenceAdmission}, then, against the set
     * itself, the member caps (91003). A rejected frame changes nothing, and its refusal is
     * complete at once. On success the events are returned once they are stored: at once on one
     * node (already broadcast), in a cluster when Redis has them (an error, 5xxxx, when it could
     * not take them).
     *
     * @param attachedModes the modes the connection holds on the channel, or null when it is not attached
     */
    public CompletionStage<Outcome<List<PresenceMessage>>> handle(String who, String connectionId, Principal principal,
                                                                  ProtocolMessage message, Integer attachedModes) {
        Outcome<PresenceAdmission.Admitted> admitted = checks.admit(who, connectionId, principal, message, attachedModes);
        if (!admitted.isOk()) {
            return CompletableFuture.completedFuture(Outcome.fail(admitted.error()));
        }
        ChannelKey key = new ChannelKey(principal.appId(), ChannelNames.baseName(message.channel()));
        long msgSerial = message.msgSerial() == null ? 0 : message.msgSerial();
        Applied applied = sets.locked(key, true, set -> apply(set, key, connectionId, msgSerial, admitted.value()));
        return applied.stored().thenApply(error -> error == null ? Outcome.ok(applied.events()) : Outcome.fail(error));
    }

    /** The events a frame caused, and when the shared set has them (null error: stored). */
    private record Applied(List<PresenceMessage> events, CompletionStage<ErrorInfo> stored) {}

    /**
     * Whether the items would take the channel or the connection past its member cap (lock held):
     * 91003 when at some point of the frame they would add members beyond either, else null. Items
     * that add no member (an update of a member, a leave) always pass, whatever the caps.
     */
    private ErrorInfo overMemberCaps(PresenceSet set, String connectionId, List<PresenceMessage> items) {
        int added = 0;
        int peak = 0;
        Map<String, Boolean> seen = new java.util.HashMap<>(); // clientId: a member after the items so far
        for (PresenceMessage item : items) {
            Boolean was = seen.get(item.clientId());
            boolean present = was != null ? was : set.get(connectionId, item.clientId()) != null;
            boolean after = item.action() != PresenceAction.LEAVE;
            added += after == present ? 0 : after ? 1 : -1;
            peak = Math.max(peak, added);
            seen.put(item.clientId(), after);
        }
        if (peak == 0) {
            return null;
        }
        if (set.size() + peak > settings.maxMembersPerChannel()) {
            return ErrorCode.TOO_MANY_PRESENCE_MEMBERS.info("Unable to enter presence channel (maximum member limit exceeded): "
                    + "the channel has " + set.size() + " members, the most is " + settings.maxMembersPerChannel());
        }
        int mine = sets.tally().of(connectionId);
        if (mine + peak > settings.maxMembersPerConnection()) {
            return ErrorCode.TOO_MANY_PRESENCE_MEMBERS.info("Unable to enter presence channel (maximum member limit exceeded): "
                    + "this connection has " + mine + " members, the most is " + settings.maxMembersPerConnection());
        }
        return null;
    }

    /** Applies admitted items (lock held) and broadcasts the resulting events; changes nothing past a member cap. */
    private Applied apply(PresenceSet set, ChannelKey key, String connectionId, long msgSerial, PresenceAdmission.Admitted admitted) {
        List<PresenceMessage> items = admitted.items();
        ErrorInfo full = overMemberCaps(set, connectionId, items);
        if (full != null) {
            return new Applied(List.of(), CompletableFuture.completedFuture(full));
        }
        long now = clock.millis();
        List<PresenceMessage> events = new ArrayList<>(items.size());
        List<PresenceMessage> present = new ArrayList<>(items.size());
        set.ownedHere(connectionId);
        for (int i = 0; i < items.size(); i++) {
            PresenceMessage item = items.get(i);
            PresenceMessage told = admitted.told().get(i); // with the provenance headers, where they are on
            String id = connectionId + ':' + msgSerial + ':' + i;
            PresenceSet.Member existing = set.get(connectionId, item.clientId());
            if (item.action() == PresenceAction.LEAVE) {
                if (existing == null) {
                    continue; // leave of a non-member: ACKed, nothing to tell anyone (RTP10d)
                }
                set.remove(connectionId, item.clientId());
                PresenceMessage last = existing.present;
                PresenceMessage leave = item.data() == null && item.extras() == null
                        ? new PresenceMessage(id, PresenceAction.LEAVE, last.clientId(), connectionId, last.data(),
                                last.encoding(), last.extras(), now)
                        : told.with(PresenceAction.LEAVE, id, connectionId, now);
                events.add(leave);
                present.add(null);
            } else if (existing != null && item.action() == PresenceAction.ENTER && sameContent(existing.present, told)
                    && relay == null) { // in a cluster it is told: the shared set may have lost it (Redis restarted)
                // a member entering again as it was: what an SDK does for its own members after every
                // re-attach (RTP17i), as after a resume; it is here, so no leave is pending; nobody is told
                existing.leaveAt = 0;
                continue;
            } else {
                // ENTER of a member is told as UPDATE; UPDATE of a non-member enters it
                PresenceAction action = existing == null ? PresenceAction.ENTER : PresenceAction.UPDATE;
                PresenceMessage event = told.with(action, id, connectionId, now);
                PresenceMessage member = event.with(PresenceAction.PRESENT, id, connectionId, now);
                set.put(member);
                events.add(event);
                present.add(member);
            }
        }
        CompletionStage<ErrorInfo> stored = events.isEmpty() ? STORED
                : broadcast(set, key, ProtocolMessage.presence(Action.PRESENCE, key.name(), connectionId + ':' + msgSerial,
                        connectionId, now, null, events), connectionId, present);
        return new Applied(events, stored);
    }

    /** Whether two presence messages carry the same data, encoding and extras. */
    static boolean sameContent(PresenceMessage present, PresenceMessage item) {
        return java.util.Objects.equals(present.encoding(), item.encoding()) && java.util.Objects.equals(present.extras(), item.extras())
                && (present.data() instanceof byte[] a && item.data() instanceof byte[] b ? java.util.Arrays.equals(a, b)
                        : java.util.Objects.equals(present.data(), item.data()));
    }

    /**
     * Answers an ATTACH: {@code attach} attaches and sends ATTACHED (given HAS_PRESENCE when the set
     * has members and the connection may see presence, PRESENCE_SUBSCRIBE), then the SYNC pages
     * follow, all under the set's lock, so the snapshot is followed only by later events.
     */
    public void attached(ChannelKey key, String name, int modes, IntConsumer attach, Consumer<ProtocolMessage> send) {
        attached(key, name, modes, PresenceView.BY_CONNECTION, attach, send);
    }

    /** As {@link #attached(ChannelKey, String, int, IntConsumer, Consumer)}, the SYNC in the subscription's view. */
    public void attached(ChannelKey key, String name, int modes, PresenceView view, IntConsumer attach,
                         Consumer<ProtocolMessage> send) {
        if ((modes & Flags.MODE_PRESENCE_SUBSCRIBE) == 0) {
            attach.accept(0);
            return;
        }
        sets.locked(key, true, set -> {
            List<PresenceMessage> members = snapshot(set, view);
            attach.accept(members.isEmpty() ? 0 : Flags.HAS_PRESENCE);
            if (!members.isEmpty()) {
                pager.page(name, SyncPager.newSyncId(), members, send);
            }
            return null;
        });
    }

    private static List<PresenceMessage> snapshot(PresenceSet set, PresenceView view) {
        return view == PresenceView.BY_CLIENT ? set.followPersons().snapshot() : set.snapshot();
    }

    /**
     * Answers a client's SYNC request with the complete set (an empty set is one empty last page).
     *
     * @param name the channel name as the client attached it (qualified or not)
     */
    public void sync(ChannelKey key, String name, int modes, Consumer<ProtocolMessage> send) {
        sync(key, name, modes, PresenceView.BY_CONNECTION, send);
    }

    /** As {@link #sync(ChannelKey, String, int, Consumer)}, in the subscription's view. */
    public void sync(ChannelKey key, String name, int modes, PresenceView view, Consumer<ProtocolMessage> send) {
        if ((modes & Flags.MODE_PRESENCE_SUBSCRIBE) == 0) {
            return;
        }
        sets.locked(key, true, set -> pager.page(name, SyncPager.newSyncId(), snapshot(set, view), send));
    }

    /**
     * A connection left a channel. With {@code graceMillis} 0 (DETACH, CLOSE, server disconnect)
     * its members leave now; otherwise (the transport dropped) they stay present that long and then
     * leave, unless they are entered again meanwhile.
     */
    public void connectionLeft(ChannelKey key, String connectionId, long graceMillis) {
        sets.locked(key, false, set -> {
            Map<String, PresenceSet.Member> mine = set.membersOf(connectionId);
            if (mine == null) {
                return null;
            }
            if (graceMillis <= 0) {
                leaveNow(set, key, connectionId, set.removeConnection(connectionId));
                return null;
            }
            long leaveAt = clock.millis() + graceMillis;
            for (PresenceSet.Member m : mine.values()) {
                m.leaveAt = leaveAt;
            }
            log.debug("conn={} {} member(s) of '{}' leave in {} ms unless back", connectionId, mine.size(), LogText.untrusted(key.name()),
                    graceMillis);
            timers.schedule(() -> expire(key, connectionId), graceMillis);
            return null;
        });
    }

    /** A connection came back (resume): its members' pending leaves are cancelled, nothing is told. */
    public void connectionResumed(ChannelKey key, String connectionId) {
        sets.locked(key, false, set -> {
            Map<String, PresenceSet.Member> mine = set.membersOf(connectionId);
            if (mine != null) {
                mine.values().forEach(m -> m.leaveAt = 0);
            }
            return null;
        });
    }

    /** Timer task: removes the connection's members whose leave fell due; re-arms for any not yet due. */
    void expire(ChannelKey key, String connectionId) {
        sets.locked(key, false, set -> {
            Map<String, PresenceSet.Member> mine = set.membersOf(connectionId);
            if (mine == null) {
                return null;
            }
            long now = clock.millis();
            long nextDue = Long.MAX_VALUE;
            List<PresenceSet.Member> due = new ArrayList<>();
            for (Iterator<PresenceSet.Member> it = mine.values().iterator(); it.hasNext(); ) {
                PresenceSet.Member m = it.next();
                if (m.leaveAt == 0) {
                    continue;
                }
                if (m.leaveAt <= now) {
                    it.remove();
                    due.add(m);
                } else {
                    nextDue = Math.min(nextDue, m.leaveAt);
                }
            }
            set.removedThroughView(connectionId, due);
            leaveNow(set, key, connectionId, due);
            if (nextDue != Long.MAX_VALUE) {
                timers.schedule(() -> expire(key, connectionId), nextDue - now);
            }
            return null;
        });
    }

    /** Broadcasts synthetic LEAVEs for members already removed from the set (lock held). */
    private void leaveNow(PresenceSet set, ChannelKey key, String connectionId, Collection<PresenceSet.Member> gone) {
        if (gone.isEmpty()) {
            return;
        }
        long now = clock.millis();
        List<PresenceMessage> events = new ArrayList<>(gone.size());
        int i = 0;
        for (PresenceSet.Member m : gone) {
            PresenceMessage p = m.present;
            long ts = Math.max(now, (p.timestamp() == null ? 0 : p.timestamp()) + 1);
            events.add(new PresenceMessage(SYNTHETIC_LEAVE_PREFIX + connectionId + ':' + ts + ':' + i++, PresenceAction.LEAVE,
                    p.clientId(), connectionId, p.data(), p.encoding(), p.extras(), ts));
        }
        log.debug("conn={} {} member(s) left '{}' ({} remain)", connectionId, events.size(), LogText.untrusted(key.name()),
                set.size());
        java.util.List<PresenceMessage> gonePresent = new ArrayList<>(java.util.Collections.nCopies(events.size(), (PresenceMessage) null));
        broadcast(set, key, ProtocolMessage.presence(Action.PRESENCE, key.name(), null, null, now, null, events), connectionId,
                gonePresent);
    }

    /**
     * In a cluster, a presence frame in the channel's order, on every node: members of connections
     * on other nodes are updated in this node's copy of the set (its own connections' members are
     * this node's to change, and changed already), then the frame goes to the presence audience and
     * {@code inOrder} runs, under the channel's order lock.
     *
     * @param present as for {@link PresenceRelay#relay}
     */
    public void replicated(ChannelKey key, ProtocolMessage frame, String owner, List<PresenceMessage> present,
                           Runnable inOrder) {
        sets.locked(key, true, set -> {
            if (!set.isOwnedHere(owner)) {
                List<PresenceMessage> events = frame.presence();
                for (int i = 0; i < events.size(); i++) {
                    PresenceMessage p = i < present.size() ? present.get(i) : null;
                    if (p != null) {
                        set.put(p);
                    } else {
                        set.remove(events.get(i).connectionId(), events.get(i).clientId());
                    }
                }
            }
            ProtocolMessage byClient = sets.byClient(set, key, frame);
            synchronized (router.orderLock(key)) {
                Channel channel = router.find(key);
                if (channel != null) {
                    channel.fanOutPresence(frame, byClient, owner);
                }
                inOrder.run();
            }
            return null;
        });
    }

    /**
     * In a cluster, the members of other nodes' connections as they stand at the position this node
     * starts delivering the channel from; what this node had of them before is dropped.
     */
    public void seed(ChannelKey key, List<PresenceMessage> members) {
        sets.locked(key, !members.isEmpty(), set -> {
            set.dropNotOwnedHere();
            for (PresenceMessage m : members) {
                if (!set.isOwnedHere(m.connectionId())) {
                    set.put(m);
                }
            }
            if (set.persons() != null) {
                set.persons().reset(set);
            }
            return null;
        });
    }

    /** In a cluster, this node stopped delivering the channel: its copy of other nodes' members goes. */
    public void forgetReplicas(ChannelKey key) {
        sets.locked(key, false, set -> {
            set.dropNotOwnedHere();
            if (set.persons() != null) {
                set.persons().reset(set);
            }
            return null;
        });
    }

    /** The members of a channel as PRESENT messages, filtered, at most {@code limit} (REST). */
    public List<PresenceMessage> members(ChannelKey key, String clientId, String connectionId, int limit) {
        List<PresenceMessage> out = sets.locked(key, false, set -> set.query(clientId, connectionId, limit));
        return out == null ? List.of() : out;
    }

    /** How many members a channel has now. */
    public int memberCount(ChannelKey key) {
        Integer n = sets.locked(key, false, PresenceSet::size);
        return n == null ? 0 : n;
    }

    /** Channels with at least one member. */
    public int channelCount() { return sets.count(); }

    /** Connections with at least one member in this node's sets. */
    int tallyConnections() { return sets.tally().connections(); }

    /**
     * Hands an event to the channel's presence audience at the channel's next position (set lock
     * held); in a cluster, to the relay, which delivers it on every node through {@link #replicated}.
     */
    private CompletionStage<ErrorInfo> broadcast(PresenceSet set, ChannelKey key, ProtocolMessage frame, String ownerConnectionId,
                                                 List<PresenceMessage> present) {
        PresenceRelay r = relay;
        if (r != null) {
            return r.relay(key, frame, ownerConnectionId, present);
        }
        ProtocolMessage byClient = sets.byClient(set, key, frame);
        synchronized (router.orderLock(key)) {
            Channel channel = router.find(key);
            if (channel != null) {
                String serial = messageLog.advance(key);
                channel.fanOutPresence(frame.withChannelSerial(serial), byClient == null ? null : byClient.withChannelSerial(serial),
                        ownerConnectionId);
            }
        }
        return STORED;
    }

    /** Whether a channel's set keeps its per-person view now (false without a set): for tests. */
    boolean keepsPersonView(ChannelKey key) {
        Boolean kept = sets.locked(key, false, set -> set.persons() != null);
        return kept != null && kept;
    }
}
