package dev.hubbub.core.session;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.history.AttachReplay;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ConnectionDetails;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import dev.hubbub.core.publish.PublishRequest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, as core sees it: who it is, which channels it is attached to, and the
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
    private final Map<String, Attachment> attachments = new HashMap<>();
    private volatile Principal principal;
    private final CredentialExpiry expiry;
    private volatile boolean closed;
    /** Set when the transport dropped or the client sent DISCONNECT: presence members stay for the grace period. */
    private boolean presenceGrace;
    /** What this connection's MESSAGEs were answered, to answer a resend the same (shared with a resuming session). */
    private final MsgSerialLedger ledger;
    /** Set (by another thread) when a resume on another transport took this connection over. */
    private volatile boolean takenOver;
    /** The channels whose members it gave a pending leave when it ended (before any takeover). */
    private Set<ChannelKey> endedOn = Set.of();
    /** The session that took this connection over, once it exists (set by another thread). */
    private volatile Session successor;

    /**
     * A channel this connection is attached to, with the modes it was granted, as the channel
     * sees it: this session, or for a qualified name a {@link QualifiedSubscriber} view of it.
     */
    record Attachment(Channel channel, int modes, Subscriber as) {}

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
        this.expiry = new CredentialExpiry(transport, services.clock(), this::requestRenewal, this::expired);
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
        log.debug("{} connected from {} as {}", who, remoteAddress, principal);
        transport.send(ProtocolMessage.connected(connectionId, details(), continuity, services.clock().millis()));
        expiry.arm(principal.expiresAt());
    }

    ConnectionDetails details() {
        Limits l = services.limits();
        return new ConnectionDetails(principal.identity().wireClientId(), connectionKey, l.maxMessageSize(), l.maxFrameSize(),
                l.maxInboundRate(), l.maxIdleInterval(), l.connectionStateTtl(), l.serverId());
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
            case ATTACH -> attach(message);
            case DETACH -> detach(message);
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
        log.debug("{} malformed frame: {}", who, error.message());
        if (msgSerial != null) {
            transport.send(ProtocolMessage.nack(msgSerial, 1, error));
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
            services.connections().parked(this, channelKeys(), services.limits().connectionStateTtl());
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

    private Set<ChannelKey> channelKeys() {
        Set<ChannelKey> keys = new HashSet<>();
        for (Attachment a : attachments.values()) {
            keys.add(a.channel().key());
        }
        return keys;
    }

    private void release() {
        closed = true;
        endedOn = takenOver ? Set.of() : channelKeys(); // taken over: it gave its members no leave
        expiry.cancel();
        for (Attachment a : attachments.values()) {
            dropAttachment(a);
        }
        attachments.clear();
        services.metrics().connectionClosed();
    }

    private void attach(ProtocolMessage message) {
        String name = message.channel();
        ErrorInfo invalid = ChannelNames.validate(name);
        if (invalid != null) {
            malformed(invalid, null, name); // no channel named: a connection-level ERROR, not one for channel ""
            return;
        }
        Principal p = principal;
        String base = ChannelNames.baseName(name);
        if (!p.capability().allowsAny(base)) {
            transport.send(ProtocolMessage.channelError(name, ErrorCode.CAPABILITY_DENIED.info(
                    "Channel denied access based on given capability: '" + base + "'")));
            return;
        }
        Attachment existing = attachments.get(name);
        if (existing == null && attachments.size() >= services.limits().maxChannelsPerConnection()) {
            transport.send(ProtocolMessage.channelError(name, ErrorCode.TOO_MANY_CHANNELS.info(
                    "Maximum number of channels per connection (" + services.limits().maxChannelsPerConnection() + ") exceeded")));
            return;
        }
        Map<String, String> params = ChannelNames.qualifierParams(name);
        if (message.params() != null) {
            params = new HashMap<>(params);
            params.putAll(message.params());
        }
        Outcome<AttachReplay.Rewind> rewind = AttachReplay.rewind(params);
        if (rewind != null && !rewind.isOk()) {
            transport.send(ProtocolMessage.channelError(name, rewind.error()));
            return;
        }
        int requested = Flags.modes(message.flagsOrZero());
        int modes = (requested == 0 ? Flags.DEFAULT_MODES : requested) & p.capability().grantedModes(base);
        ChannelKey key = new ChannelKey(p.appId(), base);
        Subscriber as = existing != null ? existing.as() : base.equals(name) ? this : new QualifiedSubscriber(this, name);
        AttachReplay.Rewind rewindValue = rewind == null ? null : rewind.value();
        boolean live = existing != null;
        services.presence().attached(key, name, modes, hasPresence -> attachInOrder(key, name, as, modes, hasPresence,
                live, message.channelSerial(), rewindValue), transport::send);
    }

    /**
     * Attaches, answers ATTACHED and replays what the client missed or asked to rewind, under the
     * channel's order lock: everything published before is in the replay, everything after is
     * delivered live, nothing twice. A re-ATTACH of a channel this transport is attached to already
     * (new modes, say) replays nothing: nothing was missed, and what its channelSerial lags behind
     * is already on its way to the client.
     */
    private void attachInOrder(ChannelKey key, String name, Subscriber as, int modes, int hasPresence, boolean live,
                               String channelSerial, AttachReplay.Rewind rewind) {
        MessageLog log = services.log();
        synchronized (services.router().orderLock(key)) {
            Channel channel = services.router().attach(key, as, modes);
            attachments.put(name, new Attachment(channel, modes, as));
            AttachReplay.Plan plan = live ? AttachReplay.Plan.CONTINUING
                    : AttachReplay.plan(log, key, channelSerial, rewind, services.clock());
            plan.send(name, modes | hasPresence, log.currentSerial(key), echo ? null : connectionId, transport::send);
        }
    }

    private void detach(ProtocolMessage message) {
        String name = message.channel();
        if (name == null) {
            transport.send(ProtocolMessage.error(ErrorCode.BAD_REQUEST.info("DETACH needs a channel")));
            return;
        }
        Attachment a = attachments.remove(name);
        if (a != null) {
            dropAttachment(a);
        }
        transport.send(ProtocolMessage.detached(name, null));
    }

    /** Leaves a channel this connection was attached to (already removed from {@code attachments}). */
    private void dropAttachment(Attachment a) {
        services.router().detach(a.channel().key(), a.as());
        if (takenOver) {
            return; // its members are the resumed connection's now
        }
        for (Attachment other : attachments.values()) {
            if (other != a && other.channel().key().equals(a.channel().key())) {
                return; // still attached to the channel under another name (qualified or not): its members stay
            }
        }
        services.presence().connectionLeft(a.channel().key(), connectionId,
                closed && presenceGrace ? services.presence().graceFor(remainPresentFor) : 0);
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
                    "Invalid clientId for credentials: a new token may not change the connection's clientId or app"));
        }
        if (!next.isOk()) {
            end(DisconnectReason.REAUTH_REFUSED, next.error());
            return;
        }
        principal = next.value();
        expiry.arm(principal.expiresAt());
        transport.send(ProtocolMessage.connected(connectionId, details(), null, services.clock().millis()));
        enforceCapability();
    }

    /** Detaches (with 40160) channels the current capability no longer permits; narrows modes on the rest. */
    private void enforceCapability() {
        Principal p = principal;
        for (var it = attachments.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            String base = ChannelNames.baseName(name);
            Attachment a = e.getValue();
            if (!p.capability().allowsAny(base)) {
                it.remove();
                dropAttachment(a);
                transport.send(ProtocolMessage.channelError(name, ErrorCode.CAPABILITY_DENIED.info(
                        "Channel denied access based on given capability: '" + name + "'")));
                continue;
            }
            int modes = a.modes() & p.capability().grantedModes(base);
            if (modes != a.modes()) {
                services.router().attach(a.channel().key(), a.as(), modes);
                e.setValue(new Attachment(a.channel(), modes, a.as()));
            }
            if (!p.capability().allows(base, Operation.PRESENCE)) {
                // no longer allowed to be present, whatever mode it attached with: its members leave now
                services.presence().connectionLeft(a.channel().key(), connectionId, 0);
            }
        }
    }

    private void publish(ProtocolMessage message) {
        if (message.msgSerial() == null) {
            reject(message, ErrorCode.PROTOCOL_ERROR.info("MESSAGE without msgSerial"));
            return;
        }
        long msgSerial = message.msgSerial();
        ProtocolMessage again = ledger.claim(msgSerial);
        if (again != null) {
            transport.send(again); // a resend after a resume (RTN19a): answered as before, never published twice
            return;
        }
        Attachment a = message.channel() == null ? null : attachments.get(message.channel());
        Outcome<PublishResult> result = services.publishing().publish(new PublishRequest(who, principal, message.channel(),
                message.messages(), new PublishRequest.Realtime(connectionId, msgSerial, a == null ? null : a.modes())));
        ProtocolMessage answer = result.isOk() ? ProtocolMessage.ack(msgSerial, 1, List.of(result.value()))
                : ProtocolMessage.nack(msgSerial, 1, result.error());
        ledger.answered(msgSerial, answer);
        transport.send(answer);
    }

    /** PRESENCE: enter / update / leave, checked and applied by the presence service; ACK or NACK like MESSAGE. */
    private void presence(ProtocolMessage message) {
        if (message.msgSerial() == null) {
            reject(message, ErrorCode.PROTOCOL_ERROR.info("PRESENCE without msgSerial"));
            return;
        }
        Attachment a = message.channel() == null ? null : attachments.get(message.channel());
        Outcome<List<PresenceMessage>> result = services.presence().handle(who, connectionId, principal, message,
                a == null ? null : a.modes());
        transport.send(result.isOk() ? ProtocolMessage.ack(message.msgSerial(), 1, null)
                : ProtocolMessage.nack(message.msgSerial(), 1, result.error()));
    }

    /** SYNC from the client: the full presence set of an attached channel (ignored otherwise). */
    private void syncPresence(ProtocolMessage message) {
        Attachment a = message.channel() == null ? null : attachments.get(message.channel());
        if (a != null) {
            services.presence().sync(a.channel().key(), message.channel(), a.modes(), transport::send);
        }
    }

    /** NACKs a frame that carries a msgSerial, else answers ERROR (channel-level when it names one). */
    private void reject(ProtocolMessage message, ErrorInfo error) {
        malformed(error, message.msgSerial(), message.channel());
    }

    /** Asks the client for a new token shortly before its current one expires (it answers with AUTH). */
    private void requestRenewal() {
        if (!closed) {
            transport.send(ProtocolMessage.of(Action.AUTH));
        }
    }

    /** The credentials have expired: the client must renew and reconnect. */
    private void expired() {
        end(DisconnectReason.CREDENTIALS_EXPIRED, null);
    }
}
