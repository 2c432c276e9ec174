package dev.hubbub.core.session;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.identity.AuditEvent;
import dev.hubbub.core.identity.IdentityAudit;
import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.log.LogText;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ConnectionDetails;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import dev.hubbub.core.publish.PublishRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, as core sees it: who it is, its channels ({@link ChannelAttachments}), and the
 * protocol state machine. It works with exactly the {@link SessionServices} it is given: checks
 * live in the publish funnel, the identity gate and the presence service, and every way out goes
 * through {@link #end}, whose frame, metric and log line {@link Disconnects} decides.
 *
 * <p>Threading: every method runs on the connection's own I/O thread; the {@link Subscriber}
 * methods may be called from any publisher's thread and only read final fields.
 */
public final class Session implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final SessionServices services;
    private final Transport transport;
    // only what outlives the handshake: a ConnectRequest carries the credentials, kept by nobody
    private final boolean echo;
    private final Long remainPresentFor;
    private final String connectionId;
    private final String connectionKey;
    private final String who;
    private final ChannelAttachments attachments;
    private volatile Principal principal;
    /** Made for credentials that expire (a token) when first armed: none for an API key's connection. */
    private CredentialExpiry expiry;
    private volatile boolean closed;
    /** Set when the transport dropped or the client sent DISCONNECT: presence members stay for the grace period. */
    private boolean presenceGrace;
    /** What this connection's MESSAGEs were answered, to answer a resend the same (shared with a resuming session). */
    private final MsgSerialLedger ledger;
    /** ACKs and NACKs in msgSerial order, whenever each publish is confirmed. */
    private final OrderedReplies replies;
    /** Set (by another thread) when a resume on another transport took this connection over. */
    private volatile boolean takenOver;
    /** The channels whose members it gave a pending leave when it ended (before any takeover). */
    private Set<ChannelKey> endedOn = Set.of();
    /** The session that took this connection over, once it exists (set by another thread). */
    private volatile Session successor;
    /** Messages and presence messages this connection may send per second (maxInboundRate). */
    private final InboundRate inbound;

    /**
     * @param connectionId a new id, or the id of the connection this one resumes
     * @param ledger       a new ledger, or the one of the connection this one resumes
     */
    Session(SessionServices services, Principal principal, ConnectRequest request, Transport transport, String connectionId,
            MsgSerialLedger ledger) {
        this.ledger = ledger;
        this.services = services;
        this.principal = principal;
        this.echo = request.echo();
        this.remainPresentFor = request.remainPresentFor();
        this.transport = transport;
        this.connectionId = connectionId;
        this.connectionKey = ConnectionIds.connectionKey(connectionId);
        this.who = "conn=" + connectionId;
        this.attachments = new ChannelAttachments(this, services, transport);
        this.replies = new OrderedReplies(transport);
        this.inbound = new InboundRate(services.clock(), services.limits().maxInboundRateFor(principal.keyName()),
                services.limits().inboundRateDisconnectAfter());
    }

    @Override
    public String connectionId() { return connectionId; }

    @Override
    public boolean echoes() { return echo; }

    @Override
    public Transport outbound() { return transport; }

    public Principal principal() { return principal; }

    public String who() { return who; }

    /** The secret that lets this connection be resumed; never logged. */
    String connectionKey() { return connectionKey; }

    public boolean isClosed() { return closed; }

    /**
     * Sends CONNECTED and arms the credential expiry timer.
     *
     * @param continuity why a requested resume or recover did not happen (the client learns it
     *                   has a new connection), or null
     */
    void start(String remoteAddress, ErrorInfo continuity) {
        services.connections().opened(this);
        services.clientIds().started(this);
        services.audit().connected(connectionId, remoteAddress);
        log.debug("{} connected from {} as {}", who, remoteAddress, principal);
        transport.send(ProtocolMessage.connected(connectionId, details(), continuity, services.clock().millis()));
        armExpiry(principal.expiresAt());
    }

    ConnectionDetails details() {
        Limits l = services.limits();
        return new ConnectionDetails(principal.identity().wireClientId(), connectionKey, l.maxMessageSize(), l.maxFrameSize(),
                inbound.perSecond(), l.maxIdleInterval(), l.connectionStateTtl(), l.serverId());
    }

    /** Handles one decoded frame from the client. */
    public void handle(ProtocolMessage message) {
        if (closed || takenOver) {
            return; // taken over: the client speaks on its new transport now
        }
        switch (message.action()) {
            case HEARTBEAT -> transport.send(ProtocolMessage.heartbeat(message.id()));
            case CLOSE -> end(DisconnectReason.CLIENT_CLOSED, null);
            case DISCONNECT -> end(DisconnectReason.CLIENT_DISCONNECTED, null);
            case ATTACH -> attachments.attach(message, principal);
            case DETACH -> attachments.detach(message);
            case MESSAGE -> publish(message);
            case PRESENCE -> presence(message);
            case SYNC -> syncPresence(message);
            case AUTH -> reauthenticate(message);
            case ACK, NACK, CONNECT, CONNECTED, DISCONNECTED, CLOSED, ERROR, ATTACHED, DETACHED, ACTIVATE,
                    OBJECT, OBJECT_SYNC, ANNOTATION -> reject(message,
                    ErrorCode.PROTOCOL_ERROR.info("Action " + message.action().wire() + " is not accepted from clients"));
        }
    }

    /**
     * A frame that could not be decoded. NACKs it when it carried a msgSerial (so the client's
     * queue stays in step), otherwise answers ERROR; the connection stays up.
     */
    public void malformed(ErrorInfo error, Long msgSerial, String channel) {
        if (closed) {
            return;
        }
        log.debug("{} malformed frame: {}", who, LogText.untrusted(error.message(), LogText.MESSAGE_BUDGET));
        if (msgSerial != null) {
            replies.answerNow(ProtocolMessage.nack(msgSerial, 1, error));
        } else if (channel != null) {
            transport.send(ProtocolMessage.channelError(channel, error));
        } else {
            transport.send(ProtocolMessage.error(error));
        }
    }

    /**
     * Ends the connection, the one way out: {@link Disconnects} decides the last frame (sent, then
     * the transport closes once the client has had time to read it), the metric and the log line;
     * the reason decides whether presence members get their grace period. Idempotent.
     *
     * @param error the specific error, or null for the reason's own
     */
    public void end(DisconnectReason reason, ErrorInfo error) {
        if (closed) {
            return;
        }
        if (takenOver) {
            reason = DisconnectReason.SUPERSEDED; // whatever ended it here, its state belongs to the resumed connection
            error = null;
        }
        presenceGrace = reason.presenceGrace();
        if (reason == DisconnectReason.SUPERSEDED) {
            // another transport has taken this connection over: the registry entry is its now
        } else if (presenceGrace) {
            services.connections().parked(this, attachments.channelKeys(), services.limits().connectionStateTtl());
        } else {
            services.connections().closed(this);
        }
        transport.close(services.disconnects().end(who, reason, error));
        release();
    }

    /**
     * A resume on another transport took this connection over (its old transport is still open,
     * as after a network that vanished without a FIN): it is closed, and its presence members,
     * which the resumed connection now owns, keep their place. Runs on this session's own thread.
     */
    void superseded() {
        end(DisconnectReason.SUPERSEDED, null);
        // if it ended on its own before it heard it was taken over, its members were given a pending leave: cancel
        // it, unless the connection that took over has itself dropped since (its own leave schedule then holds)
        Session next = successor;
        if (next != null && !next.isClosed()) {
            for (ChannelKey key : endedOn) {
                services.presence().connectionResumed(key, connectionId);
            }
        }
    }

    /** A resume on another transport is taking this connection over (any thread). */
    void takeOver() { takenOver = true; }

    /** The session that took this connection over (any thread). */
    void takenOverBy(Session next) { successor = next; }

    MsgSerialLedger ledger() { return ledger; }

    private void release() {
        closed = true;
        services.clientIds().ended(this); // a resume counts again; taken over: the slot is the new session's
        if (!takenOver) {
            services.audit().disconnected(connectionId); // taken over: the address is the resumed connection's
        }
        endedOn = takenOver ? Set.of() : attachments.channelKeys(); // taken over: it gave its members no leave
        if (expiry != null) {
            expiry.cancel();
        }
        // taken over: its members are the resumed connection's now
        attachments.releaseAll(presenceGrace ? services.presence().graceFor(remainPresentFor) : 0, takenOver);
        services.metrics().connectionClosed();
    }

    /**
     * In-band AUTH: swaps in a new token without dropping channels. The clientId and app never
     * change on a connection; a narrower capability takes effect at once.
     */
    private void reauthenticate(ProtocolMessage message) {
        String token = message.authAccessToken();
        if (token == null || token.isEmpty()) {
            end(DisconnectReason.REAUTH_REFUSED, ErrorCode.INVALID_CREDENTIAL.info("AUTH carries no auth.accessToken"));
            return;
        }
        Principal current = principal;
        ClientIdentity identity = current.identity();
        Outcome<Principal> next = services.authenticator().authenticateToken(token, identity.isIdentified() ? identity.clientId() : null);
        if (next.isOk() && (!next.value().appId().equals(current.appId()) || !next.value().identity().equals(identity))) {
            next = Outcome.fail(ErrorCode.INCOMPATIBLE_CREDENTIALS.info(
                    "Invalid clientId for credentials: a new token may not change the connection's clientId, clientId pattern or app"));
        }
        if (!next.isOk()) {
            end(DisconnectReason.REAUTH_REFUSED, next.error());
            return;
        }
        principal = next.value();
        inbound.perSecond(services.limits().maxInboundRateFor(principal.keyName()));
        armExpiry(principal.expiresAt());
        transport.send(ProtocolMessage.connected(connectionId, details(), null, services.clock().millis()));
        attachments.narrowTo(principal);
    }

    private void publish(ProtocolMessage message) {
        if (message.msgSerial() == null) {
            reject(message, ErrorCode.PROTOCOL_ERROR.info("MESSAGE without msgSerial"));
            return;
        }
        long msgSerial = message.msgSerial();
        ProtocolMessage again = ledger.claim(msgSerial);
        if (again != null) {
            replies.answerNow(again); // a resend after a resume (RTN19a): answered as before, never published twice
            return;
        }
        InboundRate.Verdict rate = inbound.take(count(message.messages()));
        if (rate != InboundRate.Verdict.ADMIT) {
            replies.answerNow(answerTo(msgSerial, Outcome.fail(rateLimited(message.messages(), message.channel()))));
            endIfAbusive(rate);
            return;
        }
        CompletableFuture<Outcome<PublishResult>> result = services.publishing().publish(new PublishRequest(who, principal,
                message.channel(), message.messages(), new PublishRequest.Realtime(connectionId, msgSerial,
                        attachments.modes(message.channel())))).toCompletableFuture();
        answerWhenDone(result, outcome -> answerTo(msgSerial, outcome));
    }

    /**
     * Answers a MESSAGE or PRESENCE once its outcome is known: now when it is (one node), else in
     * its place in msgSerial order when the bus completes it, back on this connection's thread.
     */
    private <T> void answerWhenDone(CompletableFuture<Outcome<T>> result, java.util.function.Function<Outcome<T>, ProtocolMessage> answer) {
        if (result.isDone()) {
            replies.answerNow(answer.apply(result.join()));
            return;
        }
        OrderedReplies.Slot slot = replies.reserve();
        result.whenComplete((outcome, failure) -> {
            ProtocolMessage a = answer.apply(outcome != null ? outcome
                    : Outcome.fail(ErrorCode.INTERNAL.info("Failed: " + failure.getClass().getSimpleName())));
            transport.schedule(() -> replies.answer(slot, a), 0);
        });
    }

    /** The ACK or NACK of a publish, recorded for a resend of the same msgSerial. */
    private ProtocolMessage answerTo(long msgSerial, Outcome<PublishResult> result) {
        ProtocolMessage answer = result.isOk() ? ProtocolMessage.ack(msgSerial, 1, List.of(result.value()))
                : ProtocolMessage.nack(msgSerial, 1, result.error());
        ledger.answered(msgSerial, answer);
        return answer;
    }

    /** PRESENCE: enter / update / leave, checked and applied by the presence service; ACK or NACK like MESSAGE. */
    private void presence(ProtocolMessage message) {
        if (message.msgSerial() == null) {
            reject(message, ErrorCode.PROTOCOL_ERROR.info("PRESENCE without msgSerial"));
            return;
        }
        long msgSerial = message.msgSerial();
        InboundRate.Verdict rate = inbound.take(count(message.presence()));
        if (rate != InboundRate.Verdict.ADMIT) {
            replies.answerNow(ProtocolMessage.nack(msgSerial, 1, rateLimited(message.presence(), message.channel())));
            endIfAbusive(rate);
            return;
        }
        Principal by = principal;
        answerWhenDone(services.presence().handle(who, connectionId, principal, message, attachments.modes(message.channel()))
                .toCompletableFuture(), result -> {
                    if (result.isOk()) {
                        return ProtocolMessage.ack(msgSerial, 1, null);
                    }
                    if (result.error().code() == ErrorCode.TOO_MANY_PRESENCE_MEMBERS.code()) {
                        audit(AuditEvent.Kind.PRESENCE_LIMIT, by, result.error(), message.channel(), "presence");
                    }
                    return ProtocolMessage.nack(msgSerial, 1, result.error());
                });
    }

    /** What a MESSAGE or PRESENCE frame takes of the inbound rate: its messages (a frame without any: one). */
    private static int count(List<?> items) { return items == null || items.isEmpty() ? 1 : items.size(); }

    /** The NACK's error for a frame over the inbound rate (42911), counted in the metric and told to the app. */
    private ErrorInfo rateLimited(List<?> items, String channel) {
        services.metrics().inboundLimited(count(items));
        ErrorInfo error = ErrorCode.INBOUND_RATE_EXCEEDED.info("Maximum per-connection publish rate exceeded (" + inbound.perSecond()
                + " messages per second); unable to publish message");
        audit(AuditEvent.Kind.RATE_LIMITED, principal, error, channel, null);
        return error;
    }

    /** Tells the app's audit stream of a decision about this connection. */
    void audit(AuditEvent.Kind kind, Principal about, ErrorInfo error, String channel, String detail) {
        IdentityAudit audit = services.audit();
        audit.record(AuditEvent.about(kind, about, error, audit.now()).on(channel).connection(connectionId, null)
                .counted(null, detail));
    }

    /** After a refusal: a connection that has gone on over its rate for too long is disconnected (42921). */
    private void endIfAbusive(InboundRate.Verdict rate) {
        if (rate == InboundRate.Verdict.DISCONNECT) {
            audit(AuditEvent.Kind.RATE_DISCONNECTED, principal, ErrorCode.INBOUND_RATE_EXCEEDED_FATAL.info(), null, null);
            end(DisconnectReason.INBOUND_RATE_EXCEEDED, null);
        }
    }

    /** SYNC from the client: the full presence set of an attached channel (ignored otherwise). */
    private void syncPresence(ProtocolMessage message) {
        ChannelAttachments.Attachment a = attachments.get(message.channel());
        if (a != null) {
            services.presence().sync(a.channel().key(), message.channel(), a.modes(), a.view(), transport::send);
        }
    }

    /** NACKs a frame that carries a msgSerial, else answers ERROR (channel-level when it names one). */
    private void reject(ProtocolMessage message, ErrorInfo error) {
        malformed(error, message.msgSerial(), message.channel());
    }

    /**
     * Asks the client for a new token (it answers with AUTH): shortly before its current one expires,
     * or when a revocation naming it will apply soon (allowReauthMargin).
     */
    void requestRenewal() {
        if (!closed) {
            transport.send(ProtocolMessage.of(Action.AUTH));
        }
    }

    /** (Re)arms the credential timers for {@code expiresAt} (Long.MAX_VALUE: never), making them at the first expiry. */
    private void armExpiry(long expiresAt) {
        if (expiry == null) {
            if (expiresAt == Long.MAX_VALUE) {
                return;
            }
            expiry = new CredentialExpiry(this, transport, services.clock());
        }
        expiry.arm(expiresAt);
    }

    /** The credentials have expired: the client must renew and reconnect. */
    void expired() {
        end(DisconnectReason.CREDENTIALS_EXPIRED, null);
    }
}
