package dev.hubbub.core.session;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;

/**
 * Why a connection ends, and what follows from it: the last frame the client is told, whether its
 * presence members get the grace period (a client that may come back) or leave at once, and how
 * loud the log line is. {@link Disconnects} turns a reason into the frame, the metric and the log line.
 */
public enum DisconnectReason {
    /** The client sent CLOSE: CLOSED, members leave now. */
    CLIENT_CLOSED(Farewell.CLOSED, false, false, null),
    /** The client sent DISCONNECT: DISCONNECTED, members stay for the grace period. */
    CLIENT_DISCONNECTED(Farewell.DISCONNECTED, true, false,
            ErrorCode.CONNECTION_DISCONNECTED.info("Disconnected at the client's request")),
    /** The socket closed or failed under us: nothing to send, members stay for the grace period. */
    TRANSPORT_LOST(Farewell.NONE, true, false, null),
    /** A resume on another transport took the connection over: closed without a frame, members kept for the resumed connection. */
    SUPERSEDED(Farewell.NONE, true, false, null),
    /** Nothing came in for maxIdleInterval, not even after a ping: dropped, members stay for the grace period. */
    IDLE_TIMEOUT(Farewell.NONE, true, false, null),
    /** The client's unsent backlog passed the limit: DISCONNECTED 80020. */
    SLOW_CONSUMER(Farewell.DISCONNECTED, false, true,
            ErrorCode.SLOW_CONSUMER.info("Disconnected: the client could not keep up with the rate of messages")),
    /** The client went on publishing over its maxInboundRate, NACKed 42911 all along: DISCONNECTED 42921. */
    INBOUND_RATE_EXCEEDED(Farewell.DISCONNECTED, false, true, ErrorCode.INBOUND_RATE_EXCEEDED_FATAL.info(
            "Disconnected: the connection went on publishing over its maximum inbound rate")),
    /** The token expired without renewal: DISCONNECTED 40142, so the SDK renews and reconnects. */
    CREDENTIALS_EXPIRED(Farewell.DISCONNECTED, false, true, ErrorCode.TOKEN_EXPIRED.info("Token expired")),
    /**
     * A revocation (revokeTokens) names the connection's token: DISCONNECTED 40141, so an SDK that can
     * renew its token does and reconnects (one that cannot goes FAILED); members leave now.
     */
    TOKEN_REVOKED(Farewell.DISCONNECTED, false, true, ErrorCode.TOKEN_REVOKED.info("Token revoked")),
    /** In-band AUTH refused: DISCONNECTED for a token error the client can fix by renewing, else ERROR. */
    REAUTH_REFUSED(Farewell.BY_ERROR, false, true, null),
    /** The connect itself was refused (credentials, clientId, protocol version): as {@link #REAUTH_REFUSED}. */
    CONNECT_REFUSED(Farewell.BY_ERROR, false, true, null),
    /**
     * A limit on connections per clientId: the new connection refused (40111), or the oldest one
     * closed for it (40150). ERROR, so the SDK goes FAILED and does not reconnect into the limit;
     * members leave now.
     */
    CONNECTION_LIMIT(Farewell.ERROR, false, true, null),
    /** A realtime upgrade on a path or in a format the broker does not serve: ERROR (not an authentication failure). */
    ENDPOINT_REFUSED(Farewell.ERROR, false, true, null),
    /** A frame broke the WebSocket or size rules badly enough that the stream cannot go on: ERROR. */
    FRAME_REJECTED(Farewell.ERROR, false, false, null),
    /**
     * The node cannot serve its clients for now (the cluster's storage has been unreachable too
     * long): DISCONNECTED 50002, so the SDK reconnects (to another node, where there is one) and
     * resumes; members stay for the grace period.
     */
    UNAVAILABLE(Farewell.DISCONNECTED, true, true,
            ErrorCode.CLUSTER_UNREACHABLE.info("This node cannot reach the cluster's storage; reconnect")),
    /**
     * The node is shutting down (drain): DISCONNECTED 80003 "Connection disconnected", a non-token,
     * non-fatal error, so ably-js and ably-java treat it as any server-side disconnect and reconnect
     * (to another node, where there is one) and resume; members stay for the grace period so a
     * client that resumes elsewhere does not flap.
     */
    DRAINING(Farewell.DISCONNECTED, true, true,
            ErrorCode.CONNECTION_DISCONNECTED.info("This node is shutting down; reconnect")),
    /** A bug on our side: DISCONNECTED 50000, so the SDK retries rather than giving up. */
    INTERNAL_ERROR(Farewell.DISCONNECTED, true, true, ErrorCode.INTERNAL.info("Internal error; reconnect"));

    /** The kind of last frame. */
    enum Farewell { NONE, CLOSED, DISCONNECTED, ERROR, BY_ERROR }

    private final Farewell farewell;
    private final boolean presenceGrace;
    private final boolean notable;
    private final ErrorInfo defaultError;

    DisconnectReason(Farewell farewell, boolean presenceGrace, boolean notable, ErrorInfo defaultError) {
        this.farewell = farewell;
        this.presenceGrace = presenceGrace;
        this.notable = notable;
        this.defaultError = defaultError;
    }

    Farewell farewell() { return farewell; }

    /** Whether the connection's presence members stay for the grace period (true) or leave now. */
    public boolean presenceGrace() { return presenceGrace; }

    /** Logged at INFO (an operator wants to see it) rather than DEBUG (routine). */
    boolean notable() { return notable; }

    /** The error told when the caller gives none (null: the reason needs none, or the caller must give one). */
    ErrorInfo defaultError() { return defaultError; }
}
