package dev.hubbub.core.session;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Connections that may be resumed (RTN15) or recovered (RTN16), by connection key: the live ones,
 * and for {@code connectionStateTtl} after their transport was lost, the state a resume needs (its
 * id, identity, the channels where its presence members wait out their grace period). A resume
 * takes the entry: a key works once, and the new CONNECTED carries a new key.
 *
 * <p>Who may resume: whoever presents the key (a secret, never logged) together with credentials
 * of the same app and the same identity (a clientId stays that clientId; a wildcard stays a
 * wildcard; an anonymous connection stays anonymous). Thread-safe.
 *
 * <p>In a cluster a {@link ResumeStore} makes the connections of every node resumable on every
 * node: the registry writes through to it (opened, parked, closed, taken here) and asks it for a
 * key it does not hold. A key this node holds is decided here, as on a single node (no round trip);
 * a key it does not hold is taken from the store, which lets one taker win cluster-wide and has the
 * node that held it end its session or parked state ({@link #takenElsewhere}). Should one key be
 * presented to this node and another at the same instant, both may take it for a moment; the other
 * node's takeover then ends the copy here, so one connection survives. Without a store, everything
 * is as on a single node.
 */
public final class ConnectionRegistry {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{16}![A-Za-z0-9_-]{12}");

    /** What a resumed connection takes over. */
    public record Resumable(String connectionId, String appId, ClientIdentity identity, Set<ChannelKey> channels,
                            MsgSerialLedger ledger, long expiresAt, Session live) {}

    private final Clock clock;
    private final ConcurrentHashMap<String, Resumable> byKey = new ConcurrentHashMap<>();
    /** Where other nodes' connections are found and this node's are published; null on a single node. */
    private final ResumeStore shared;

    public ConnectionRegistry(Clock clock) { this(clock, null); }

    /** @param shared the cluster's store of resumable connections, or null (a single node) */
    public ConnectionRegistry(Clock clock, ResumeStore shared) {
        this.clock = Objects.requireNonNull(clock);
        this.shared = shared;
        if (shared != null) {
            shared.attach(new ResumeStore.Local() {
                @Override
                public Collection<String> liveKeys() { return ConnectionRegistry.this.liveKeys(); }

                @Override
                public void takenElsewhere(String connectionId) { ConnectionRegistry.this.takenElsewhere(connectionId); }
            });
        }
    }

    /**
     * Ends every live connection for {@code reason}, each on its own thread (the node is going away,
     * or cannot serve them for now).
     *
     * @return how many were told
     */
    public int endAll(DisconnectReason reason) {
        int n = 0;
        for (Resumable r : byKey.values()) {
            Session s = r.live();
            if (s != null && !s.isClosed()) {
                s.outbound().schedule(() -> s.end(reason, null), 0);
                n++;
            }
        }
        return n;
    }

    /**
     * Runs {@code action} for every session live here now, on the calling thread: it must only read
     * the session's thread-safe state or hand work to the session's own thread.
     */
    public void forEachLive(java.util.function.Consumer<Session> action) {
        for (Resumable r : byKey.values()) {
            Session s = r.live();
            if (s != null && !s.isClosed()) {
                action.accept(s);
            }
        }
    }

    /** A session went live under its key. */
    void opened(Session s) {
        byKey.put(s.connectionKey(), new Resumable(s.connectionId(), s.principal().appId(), s.principal().identity(),
                Set.of(), s.ledger(), Long.MAX_VALUE, s));
        if (shared != null) {
            shared.opened(s.connectionKey(), new ResumeStore.Entry(s.connectionId(), s.principal().appId(), s.principal().identity()));
        }
    }

    /**
     * A session lost its transport: resumable for {@code ttlMillis}, with its channels and its
     * ledger. Only while its key is still its own: a resume may have taken it meanwhile.
     */
    void parked(Session s, Set<ChannelKey> channels, long ttlMillis) {
        boolean[] ours = {false};
        byKey.computeIfPresent(s.connectionKey(), (k, r) -> {
            if (r.live() != s) {
                return r;
            }
            ours[0] = true;
            return new Resumable(s.connectionId(), s.principal().appId(), s.principal().identity(), Set.copyOf(channels),
                    s.ledger(), clock.millis() + ttlMillis, null);
        });
        if (ours[0] && shared != null) {
            shared.parked(s.connectionKey());
        }
    }

    /** A session ended for good (CLOSE, refused credentials, ...); only while its key is still its own. */
    void closed(Session s) {
        boolean[] ours = {false};
        byKey.computeIfPresent(s.connectionKey(), (k, r) -> {
            ours[0] = r.live() == s;
            return ours[0] ? null : r;
        });
        if (ours[0] && shared != null) {
            shared.closed(s.connectionKey());
        }
    }

    /**
     * Takes the connection {@code connectionKey} names, for a client authenticated as
     * {@code principal}; on failure, the error its new connection's CONNECTED carries.
     */
    Taken take(String connectionKey, Principal principal) {
        if (connectionKey == null || !KEY.matcher(connectionKey).matches()) {
            return new Taken(null, ErrorCode.INVALID_CONNECTION_KEY.info("Invalid connection key: a new connection was made"));
        }
        Resumable r = byKey.get(connectionKey);
        if (r == null && shared != null) {
            return takeShared(connectionKey, principal);
        }
        if (r == null || r.expiresAt() <= clock.millis()) {
            if (r != null && byKey.remove(connectionKey, r) && shared != null) {
                shared.closed(connectionKey);
            }
            return new Taken(null, ErrorCode.CONNECTION_NOT_RECOVERED.info(
                    "Unable to recover connection: its state has expired or is unknown; continuity was lost"));
        }
        if (!r.appId().equals(principal.appId()) || !r.identity().equals(principal.identity())) {
            return new Taken(null, ErrorCode.CONNECTION_RESUME_REFUSED.info(
                    "Unable to resume connection: the credentials are not those of the connection"));
        }
        if (!byKey.remove(connectionKey, r)) {
            return new Taken(null, ErrorCode.CONNECTION_NOT_RECOVERED.info(
                    "Unable to recover connection: it was resumed elsewhere at the same time"));
        }
        if (shared != null) {
            shared.closed(connectionKey); // taken here: no other node may take it too
        }
        return new Taken(r, null);
    }

    /**
     * A connection another node held (or holds): taken from the store, blocking this thread at most
     * the store's timeout. It comes without channels (the client attaches again, with its
     * channelSerials) and with a new ledger (the bus answers a resent MESSAGE once cluster-wide).
     */
    private Taken takeShared(String connectionKey, Principal principal) {
        Outcome<ResumeStore.Entry> taken = shared.take(connectionKey, principal.appId(), principal.identity());
        if (!taken.isOk()) {
            return new Taken(null, taken.error());
        }
        ResumeStore.Entry e = taken.value();
        return new Taken(new Resumable(e.connectionId(), e.appId(), e.identity(), Set.of(), new MsgSerialLedger(),
                Long.MAX_VALUE, null), null);
    }

    /** The keys of the sessions live here now. */
    private Collection<String> liveKeys() {
        List<String> keys = new ArrayList<>();
        byKey.forEach((key, r) -> {
            if (r.live() != null) {
                keys.add(key);
            }
        });
        return keys;
    }

    /**
     * Another node took connection {@code connectionId} over: its parked state here is forgotten,
     * and a session still live here (its client's network vanished without a FIN) ends on its own
     * thread as superseded, its presence members given their grace period (they are this node's;
     * the resumed client enters again on its new node). A scan: it happens once per resume onto
     * another node.
     */
    void takenElsewhere(String connectionId) {
        byKey.forEach((key, r) -> {
            if (r.connectionId().equals(connectionId) && byKey.remove(key, r) && r.live() != null) {
                Session s = r.live();
                s.outbound().schedule(() -> s.end(DisconnectReason.SUPERSEDED, null), 0);
            }
        });
    }

    /** The outcome of {@link #take}: what to take over, or the error. */
    record Taken(Resumable resumable, ErrorInfo error) {}

    /** Forgets the state of connections whose time to resume has run out. */
    public void purge() {
        long now = clock.millis();
        byKey.values().removeIf(r -> r.live() == null && r.expiresAt() <= now);
    }

    /** Connections that may be resumed now (live, or within their time). */
    public int size() { return byKey.size(); }
}
