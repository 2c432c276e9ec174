package dev.hubbub.core.session;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import java.time.Clock;
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
 */
public final class ConnectionRegistry {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-]{16}![A-Za-z0-9_-]{12}");

    /** What a resumed connection takes over. */
    public record Resumable(String connectionId, String appId, ClientIdentity identity, Set<ChannelKey> channels,
                            MsgSerialLedger ledger, long expiresAt, Session live) {}

    private final Clock clock;
    private final ConcurrentHashMap<String, Resumable> byKey = new ConcurrentHashMap<>();

    public ConnectionRegistry(Clock clock) { this.clock = Objects.requireNonNull(clock); }

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

    /** A session went live under its key. */
    void opened(Session s) {
        byKey.put(s.connectionKey(), new Resumable(s.connectionId(), s.principal().appId(), s.principal().identity(),
                Set.of(), s.ledger(), Long.MAX_VALUE, s));
    }

    /**
     * A session lost its transport: resumable for {@code ttlMillis}, with its channels and its
     * ledger. Only while its key is still its own: a resume may have taken it meanwhile.
     */
    void parked(Session s, Set<ChannelKey> channels, long ttlMillis) {
        byKey.computeIfPresent(s.connectionKey(), (k, r) -> r.live() != s ? r
                : new Resumable(s.connectionId(), s.principal().appId(), s.principal().identity(), Set.copyOf(channels),
                        s.ledger(), clock.millis() + ttlMillis, null));
    }

    /** A session ended for good (CLOSE, refused credentials, ...); only while its key is still its own. */
    void closed(Session s) { byKey.computeIfPresent(s.connectionKey(), (k, r) -> r.live() == s ? null : r); }

    /**
     * Takes the connection {@code connectionKey} names, for a client authenticated as
     * {@code principal}; on failure, the error its new connection's CONNECTED carries.
     */
    Taken take(String connectionKey, Principal principal) {
        if (connectionKey == null || !KEY.matcher(connectionKey).matches()) {
            return new Taken(null, ErrorCode.INVALID_CONNECTION_KEY.info("Invalid connection key: a new connection was made"));
        }
        Resumable r = byKey.get(connectionKey);
        if (r == null || r.expiresAt() <= clock.millis()) {
            if (r != null) {
                byKey.remove(connectionKey, r);
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
        return new Taken(r, null);
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
