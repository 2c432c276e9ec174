package dev.hubbub.core.session;

import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.identity.AuditEvent;
import dev.hubbub.core.identity.IdentityAudit;
import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import java.util.Objects;

/**
 * Where a new realtime connection enters core: authenticates the connect request and opens its
 * {@link Session}, or refuses it. Thread-safe.
 */
public final class Connector {
    private final SessionServices services;

    public Connector(SessionServices services) { this.services = Objects.requireNonNull(services); }

    /**
     * Authenticates a new connection. On success the client has been sent CONNECTED and the session
     * is returned; on failure it has been sent ERROR (or DISCONNECTED for token errors), the
     * transport is closing, and null is returned.
     */
    public Session connect(ConnectRequest request, Transport transport) {
        Outcome<Principal> principal = authenticate(request);
        if (!principal.isOk()) {
            transport.close(services.disconnects().end("from=" + request.remoteAddress(), DisconnectReason.CONNECT_REFUSED,
                    principal.error()));
            audit(request, principal.error());
            return null;
        }
        String continuityKey = request.resume() != null ? request.resume() : request.recover();
        ConnectionRegistry.Taken taken = continuityKey == null ? null
                : services.connections().take(continuityKey, principal.value());
        ConnectionRegistry.Resumable resumed = taken == null ? null : taken.resumable();
        // a resume continues the connection's ledger (its un-ACKed MESSAGEs come again and must not be published
        // twice); a recover starts afresh: the old instance's unsent messages are not carried over, and ably-java
        // numbers the recovered connection's MESSAGEs from 0 again
        MsgSerialLedger ledger = resumed != null && request.resume() != null ? resumed.ledger() : new MsgSerialLedger();
        String connectionId = resumed != null ? resumed.connectionId() : ConnectionIds.connectionId();
        ClientIdConnections.Admitted admitted = services.clientIds().admit(principal.value(), connectionId,
                "conn=" + connectionId);
        if (admitted.refused() != null) {
            transport.close(services.disconnects().end("conn=" + connectionId, DisconnectReason.CONNECTION_LIMIT,
                    admitted.refused()));
            return null;
        }
        for (Session oldest : admitted.toClose()) {
            ErrorInfo replaced = services.clientIds().replacedError(oldest.principal());
            oldest.outbound().schedule(() -> oldest.end(DisconnectReason.CONNECTION_LIMIT, replaced), 0);
        }
        if (resumed != null && resumed.live() != null) {
            resumed.live().takeOver(); // before anything else: from now on the old session lets go
        }
        Session session = new Session(services, principal.value(), request, transport, connectionId, ledger);
        services.metrics().connectionOpened();
        session.start(request.remoteAddress(), taken == null ? null : taken.error());
        if (resumed != null) {
            if (resumed.live() != null) {
                // its old transport is still open: close it on its own thread; its members stay ours
                resumed.live().takenOverBy(session);
                resumed.live().outbound().schedule(resumed.live()::superseded, 0);
            }
            for (ChannelKey key : resumed.channels()) {
                services.presence().connectionResumed(key, resumed.connectionId());
            }
        }
        // a revocation that arrived after this connect was authenticated but before the session was
        // registered was not applied to it: checked once more now that it is (later ones will find it)
        ErrorInfo revoked = services.authenticator().revocation(session.principal());
        if (revoked != null) {
            session.end(DisconnectReason.TOKEN_REVOKED, revoked);
        }
        return session;
    }

    /**
     * Refuses a connection before there is a request to authenticate (a realtime upgrade on a
     * path or in a format the broker does not serve): the client is told {@code error}, through
     * the same way out as every other ended connection.
     *
     * @param who log correlation key, e.g. {@code from=address}
     */
    public void refuse(String who, ErrorInfo error, Transport transport) {
        transport.close(services.disconnects().end(who, DisconnectReason.ENDPOINT_REFUSED, error));
    }

    /**
     * Tells the app's audit stream of a connect refused for its clientId (40102, 40012) or its
     * credentials (401xx), when the app can be told ({@link Authenticator#attribute}); others (an
     * unknown key, a token that does not verify, an unsupported protocol version) belong to no app.
     */
    private void audit(ConnectRequest request, ErrorInfo error) {
        int code = error.code();
        boolean identity = code == ErrorCode.INCOMPATIBLE_CREDENTIALS.code() || code == ErrorCode.INVALID_CLIENT_ID.code();
        if (!identity && (code < 40100 || code >= 40200) || services.audit().maxPerSecond() == 0) {
            return;
        }
        Authenticator.Attribution app = request.key() != null && request.accessToken() != null ? null
                : services.authenticator().attribute(request.key(), request.accessToken());
        if (app == null) {
            return;
        }
        IdentityAudit audit = services.audit();
        audit.record(AuditEvent.unauthenticated(identity ? AuditEvent.Kind.CONNECT_IDENTITY_REFUSED
                        : AuditEvent.Kind.CONNECT_CREDENTIALS_REFUSED, app.appId(), app.keyName(), error, audit.now())
                .claimed(request.clientId()).connection(null, request.remoteAddress()));
    }

    Outcome<Principal> authenticate(ConnectRequest request) {
        String v = request.protocolVersion();
        if (v != null && !isSupportedVersion(v)) {
            return Outcome.fail(ErrorCode.UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version " + v + "; supported: 2 to 6");
        }
        if (request.key() != null && request.accessToken() != null) {
            return Outcome.fail(ErrorCode.INVALID_CREDENTIAL, "Both a key and an access token were given; use one");
        }
        Authenticator authenticator = services.authenticator();
        if (request.key() != null) {
            return authenticator.authenticateKey(request.key(), request.clientId());
        }
        if (request.accessToken() != null) {
            return authenticator.authenticateToken(request.accessToken(), request.clientId());
        }
        return Outcome.fail(ErrorCode.AUTHENTICATION_FAILED, "No credentials: give key or access_token/accessToken");
    }

    static boolean isSupportedVersion(String v) {
        return switch (v) {
            case "2", "3", "4", "5", "6" -> true;
            default -> false;
        };
    }
}
