package dev.hubbub.core.session;

import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.identity.IdentityGate;
import dev.hubbub.core.presence.PresenceService;
import dev.hubbub.core.presence.PresenceSettings;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's entry point: opens sessions for new connections and takes REST publishes. Holds the
 * collaborators every session shares. Thread-safe.
 */
public final class Broker {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private static final java.util.regex.Pattern CONNECTION_STYLE_ID = java.util.regex.Pattern.compile("[^:]+:\\d+:\\d+");

    private final Authenticator authenticator;
    private final ChannelRouter router;
    private final IdentityGate gate;
    private final Limits limits;
    private final Clock clock;
    private final BrokerMetrics metrics;
    private final PresenceService presence;

    public Broker(Authenticator authenticator, ChannelRouter router, Limits limits, Clock clock, BrokerMetrics metrics) {
        this(authenticator, router, limits, clock, metrics, PresenceTimers.shared());
    }

    /** @param presenceTimers runs grace-period LEAVEs (tests pass one they drive by hand) */
    public Broker(Authenticator authenticator, ChannelRouter router, Limits limits, Clock clock, BrokerMetrics metrics,
                  PresenceTimers presenceTimers) {
        this.authenticator = Objects.requireNonNull(authenticator);
        this.router = Objects.requireNonNull(router);
        this.limits = Objects.requireNonNull(limits);
        this.clock = Objects.requireNonNull(clock);
        this.metrics = Objects.requireNonNull(metrics);
        this.gate = new IdentityGate((who, identity, reason, claimed) -> {
            metrics.rejectedClaim(reason);
            log.info("{} rejected clientId claim: reason={} identity={}{} claimed={}", who, reason, identity.kind(),
                    identity.isIdentified() ? "(" + identity.clientId() + ")" : "", claimed == null ? "<none>" : "'" + claimed + "'");
        });
        this.presence = new PresenceService(router, gate, clock, limits.maxMessageSize(), presenceTimers,
                PresenceSettings.defaults());
    }

    public Authenticator authenticator() { return authenticator; }

    public ChannelRouter router() { return router; }

    public IdentityGate gate() { return gate; }

    public PresenceService presence() { return presence; }

    public Limits limits() { return limits; }

    public Clock clock() { return clock; }

    public BrokerMetrics metrics() { return metrics; }

    /**
     * Authenticates a new connection. On success the client has been sent CONNECTED and the session
     * is returned; on failure it has been sent ERROR (or DISCONNECTED for token errors) and closed,
     * and null is returned.
     */
    public Session connect(ConnectRequest request, Transport transport) {
        Outcome<Principal> principal = authenticate(request);
        if (!principal.isOk()) {
            ErrorInfo error = principal.error();
            metrics.authFailed(error.code());
            log.info("connection from {} refused: {} {}", request.remoteAddress(), error.code(), error.message());
            transport.sendAndClose(error.isTokenError() ? ProtocolMessage.disconnected(error) : ProtocolMessage.error(error));
            return null;
        }
        Session session = new Session(this, principal.value(), request, transport);
        metrics.connectionOpened();
        session.start(request.remoteAddress());
        return session;
    }

    Outcome<Principal> authenticate(ConnectRequest request) {
        String v = request.protocolVersion();
        if (v != null && !isSupportedVersion(v)) {
            return Outcome.fail(ErrorCode.UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version " + v + "; supported: 2 to 6");
        }
        if (request.key() != null && request.accessToken() != null) {
            return Outcome.fail(ErrorCode.INVALID_CREDENTIAL, "Both a key and an access token were given; use one");
        }
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

    /**
     * Publishes on behalf of a REST client, through the same identity gate and checks as realtime.
     *
     * @param who log correlation key
     */
    public Outcome<PublishResult> publish(String who, Principal principal, String channelName, List<Message> messages) {
        ErrorInfo invalid = ChannelNames.validate(channelName);
        if (invalid != null) {
            return Outcome.fail(invalid);
        }
        if (!principal.capability().allows(channelName, "publish")) {
            return Outcome.fail(ErrorCode.CAPABILITY_DENIED,
                    "Unable to publish to channel '" + channelName + "': the 'publish' capability is not granted");
        }
        Outcome<List<Message>> admitted = gate.admitMessages(who, principal.identity(), messages);
        if (!admitted.isOk()) {
            return Outcome.fail(admitted.error());
        }
        ErrorInfo tooBig = checkMessages(admitted.value(), null); // after the gate: an implied clientId counts too
        if (tooBig != null) {
            return Outcome.fail(tooBig);
        }
        metrics.messagesIn(messages.size());
        return Outcome.ok(deliver(principal.appId(), channelName, null, "rest-" + ConnectionIds.random(10), admitted.value()));
    }

    /** Hands admitted messages to the channel, if anyone is attached; returns their serials. */
    PublishResult deliver(String appId, String channelName, String connectionId, String idBase, List<Message> messages) {
        Channel channel = router.find(new ChannelKey(appId, channelName));
        if (channel != null) {
            return channel.publish(connectionId, idBase, messages, clock.millis());
        }
        List<String> none = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            none.add(null);
        }
        return new PublishResult(none);
    }

    /**
     * What a publish may carry besides its identity: the size limit, only message creation (action 0;
     * updates and deletes would need their own capabilities), and no id that claims to come from
     * another connection ({@code otherConnection:serial:index}).
     *
     * @param publisherId the publishing connection's id, or null for REST
     */
    ErrorInfo checkMessages(List<Message> messages, String publisherId) {
        long total = 0;
        for (Message m : messages) {
            total += m.size();
            if (m.action() != null && m.action() != 0) {
                return ErrorCode.BAD_REQUEST.info("Unsupported message action " + m.action() + ": only 0 (create) may be published");
            }
            String id = m.id();
            if (id != null && CONNECTION_STYLE_ID.matcher(id).matches()
                    && !(publisherId != null && id.startsWith(publisherId + ':'))) {
                return ErrorCode.BAD_REQUEST.info("Invalid message id '" + id + "': ids of the form connectionId:serial:index"
                        + " are assigned by the broker to the publishing connection");
            }
        }
        if (total > limits.maxMessageSize()) {
            return ErrorCode.MESSAGE_TOO_LARGE.info("Maximum message length exceeded (size was " + total
                    + " bytes, limit is " + limits.maxMessageSize() + " bytes)");
        }
        return null;
    }
}
