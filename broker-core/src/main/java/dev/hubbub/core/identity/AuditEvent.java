package dev.hubbub.core.identity;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.auth.RevocationRule;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.limits.LimitBites;
import dev.hubbub.core.protocol.ErrorCode;
import java.util.Objects;

/**
 * One notable identity decision, as the {@link IdentityAudit} stream tells it to the app it
 * concerns: what was decided ({@link Kind}, the message name), when, the error code the client got,
 * and what is known of who and where. Every field but {@code kind}, {@code appId} and {@code time}
 * may be null. It never holds a secret nor a token: {@code keyName} is only ever the name of a
 * configured key, {@code claimedClientId} is the client's own text, escaped and cut when the event
 * is written.
 *
 * @param clientId        the clientId the connection is bound to ({@code *} for a wildcard), or null
 * @param claimedClientId the clientId the client claimed (untrusted), or null
 * @param count           how many: targets of a revocation, events suppressed; null otherwise
 * @param detail          a word more where one helps (the operation refused, the revocation's target types), or null
 */
public record AuditEvent(Kind kind, String appId, long time, Integer code, String keyName, String clientId,
                         String claimedClientId, String channel, String connectionId, String remoteAddress, Integer count,
                         String detail) {

    /** What was decided: the message name on {@code [meta]identity}. */
    public enum Kind {
        MASQUERADE("masquerade"),
        WILDCARD_CLAIM("wildcard-claim"),
        MALFORMED_CLIENT_ID("malformed-client-id"),
        ANONYMOUS_CLAIM("anonymous-claim"),
        PRESENCE_WITHOUT_IDENTITY("presence-without-identity"),
        OUTSIDE_PATTERN("outside-pattern"),
        /** A connection refused over its clientId (40102, or 40012 for a malformed one). */
        CONNECT_IDENTITY_REFUSED("connect-identity-refused"),
        /** A connection refused over its credentials (401xx) where the app is known. */
        CONNECT_CREDENTIALS_REFUSED("connect-credentials-refused"),
        CAPABILITY_DENIED("capability-denied"),
        TOKENS_REVOKED("tokens-revoked"),
        /** A publish or presence change NACKed for the connection's inbound rate (42911). */
        RATE_LIMITED("rate-limited"),
        /** A connection ended for going on over its inbound rate (42921). */
        RATE_DISCONNECTED("rate-disconnected"),
        /** A presence enter refused by a member cap (91003). */
        PRESENCE_LIMIT("presence-limit"),
        /**
         * A limit per clientId bit: a connection refused (40111) or the oldest closed (40150), or a
         * run of publishes over the clientId's rate begun (42910).
         */
        CLIENT_ID_LIMIT("clientid-limit"),
        /** How many events the stream's rate limit left out in the last second. */
        SUPPRESSED("suppressed");

        private final String wire;

        Kind(String wire) { this.wire = wire; }

        /** The message name. */
        public String wireName() { return wire; }

        /** The kind of a rejected clientId claim. */
        public static Kind of(IdentityGate.Rejection r) {
            return switch (r) {
                case MASQUERADE -> MASQUERADE;
                case WILDCARD_CLAIM -> WILDCARD_CLAIM;
                case MALFORMED_CLIENT_ID -> MALFORMED_CLIENT_ID;
                case ANONYMOUS_CLAIM -> ANONYMOUS_CLAIM;
                case PRESENCE_WITHOUT_IDENTITY -> PRESENCE_WITHOUT_IDENTITY;
                case OUTSIDE_PATTERN -> OUTSIDE_PATTERN;
            };
        }
    }

    public AuditEvent {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(appId, "appId");
    }

    /** A decision about an authenticated client: its app, key and bound clientId, and the code it was told. */
    public static AuditEvent about(Kind kind, Principal who, ErrorInfo told, long time) {
        return new AuditEvent(kind, who.appId(), time, told == null ? null : told.code(), who.keyName(),
                bound(who.identity()), null, null, null, null, null, null);
    }

    /** A decision about a client of {@code appId} not (or not yet) authenticated. */
    public static AuditEvent unauthenticated(Kind kind, String appId, String keyName, ErrorInfo told, long time) {
        return new AuditEvent(kind, appId, time, told == null ? null : told.code(), keyName, null, null, null, null, null,
                null, null);
    }

    /**
     * A revokeTokens request for {@code keyName} (a configured key: its holder authenticated with
     * it): how many targets became rules, and of which types ({@code clientId,channel}); never the
     * values, which may name users or revocation keys.
     */
    public static AuditEvent tokensRevoked(String keyName, List<RevocationRule> rules, long time) {
        Set<String> types = new TreeSet<>();
        rules.forEach(r -> types.add(r.target().type().wire()));
        return new AuditEvent(Kind.TOKENS_REVOKED, keyName.substring(0, keyName.indexOf('.')), time, null, keyName, null, null,
                null, null, null, rules.size(), String.join(",", types));
    }

    /**
     * A limit per clientId that bit: the person, the code the client was told, the limit in
     * {@code detail} ({@code connections: refused, max 5}), and for the rate how many messages so far.
     */
    public static AuditEvent clientIdLimit(LimitBites.Bite bite, long time) {
        int code = switch (bite.action()) {
            case REFUSED_CONNECTION -> ErrorCode.CONNECTION_LIMIT_REACHED.code();
            case CLOSED_OLDEST -> ErrorCode.CONNECTION_REPLACED.code();
            case REFUSED_PUBLISH -> ErrorCode.RATE_LIMITED.code();
        };
        String what = switch (bite.action()) {
            case REFUSED_CONNECTION -> "connections: the new one refused";
            case CLOSED_OLDEST -> "connections: the oldest closed";
            case REFUSED_PUBLISH -> "publish rate: messages refused";
        };
        return new AuditEvent(Kind.CLIENT_ID_LIMIT, bite.appId(), time, code, null, bite.clientId(), null, null, null, null,
                bite.count(), what + ", max " + bite.max());
    }

    /** The clientId an identity binds a connection to: its own, {@code *} for a wildcard, null for none. */
    static String bound(ClientIdentity identity) {
        return identity == null ? null : identity.wireClientId();
    }

    public AuditEvent claimed(String claimed) {
        return new AuditEvent(kind, appId, time, code, keyName, clientId, claimed, channel, connectionId, remoteAddress, count,
                detail);
    }

    public AuditEvent on(String channelName) {
        return new AuditEvent(kind, appId, time, code, keyName, clientId, claimedClientId, channelName, connectionId,
                remoteAddress, count, detail);
    }

    public AuditEvent connection(String id, String address) {
        return new AuditEvent(kind, appId, time, code, keyName, clientId, claimedClientId, channel, id, address, count,
                detail);
    }

    public AuditEvent counted(Integer n, String what) {
        return new AuditEvent(kind, appId, time, code, keyName, clientId, claimedClientId, channel, connectionId,
                remoteAddress, n, what);
    }
}
