package dev.hubbub.core.session;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.channel.SharedFrame;
import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.protocol.ConnectionDetails;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection, as core sees it: who it is, which channels it is attached to, and the
 * protocol state machine. Threading: every method except {@link #deliver} runs on the
 * connection's own I/O thread; {@link #deliver} may be called from any publisher's thread and only
 * hands the frame to the transport.
 */
public final class Session implements Subscriber {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final Broker broker;
    private final Transport transport;
    // only what outlives the handshake: a ConnectRequest carries the credentials, kept by nobody
    private final boolean echo;
    private final Long remainPresentFor;
    private final boolean continuityRequested;
    private final String connectionId;
    private final String connectionKey;
    private final String who;
    private final Map<String, Attachment> attachments = new HashMap<>();
    private volatile Principal principal;
    private final CredentialExpiry expiry;
    private boolean closed;
    /** Set when the transport dropped or the client sent DISCONNECT: presence members stay for the grace period. */
    private boolean presenceGrace;

    /** A channel this connection is attached to, with the modes it was granted. */
    record Attachment(Channel channel, int modes) {}

    Session(Broker broker, Principal principal, ConnectRequest request, Transport transport) {
        this.broker = broker;
        this.principal = principal;
        this.echo = request.echo();
        this.remainPresentFor = request.remainPresentFor();
        this.continuityRequested = request.resume() != null || request.recover() != null;
        this.transport = transport;
        this.connectionId = ConnectionIds.connectionId();
        this.connectionKey = ConnectionIds.connectionKey(connectionId);
        this.who = "conn=" + connectionId;
        this.expiry = new CredentialExpiry(transport, broker.clock(), this::requestRenewal, this::expired);
    }

    @Override
    public String connectionId() { return connectionId; }

    @Override
    public boolean echoes() { return echo; }

    public Principal principal() { return principal; }

    public String who() { return who; }

    public boolean isClosed() { return closed; }

    /** Sends CONNECTED and arms the credential expiry timer. */
    void start(String remoteAddress) {
        ErrorInfo continuity = null;
        if (continuityRequested) {
            continuity = ErrorCode.CONNECTION_NOT_RECOVERED.info(
                    "Unable to recover connection: this broker does not keep connection state; continuity was lost");
        }
        log.debug("{} connected from {} as {}", who, remoteAddress, principal);
        transport.send(ProtocolMessage.connected(connectionId, details(), continuity, broker.clock().millis()));
        expiry.arm(principal.expiresAt());
    }

    ConnectionDetails details() {
        Limits l = broker.limits();
        return new ConnectionDetails(principal.identity().wireClientId(), connectionKey, l.maxMessageSize(), l.maxFrameSize(),
                l.maxInboundRate(), l.maxIdleInterval(), l.connectionStateTtl(), l.serverId());
    }

    /** Handles one decoded frame from the client. */
    public void handle(ProtocolMessage message) {
        if (closed) {
            return;
        }
        switch (message.action()) {
            case HEARTBEAT -> transport.send(ProtocolMessage.heartbeat(message.id()));
            case CLOSE -> close();
            case DISCONNECT -> {
                presenceGrace = true;
                transport.sendAndClose(ProtocolMessage.disconnected(ErrorCode.CONNECTION_DISCONNECTED.info("Disconnected at the client's request")));
                release();
            }
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

    /** The transport went away without CLOSE. */
    public void transportClosed() {
        presenceGrace = true;
        release();
    }

    /** Disconnects the client with a reason (used for slow consumers and shutdown). */
    public void disconnect(ErrorInfo reason) {
        if (closed) {
            return;
        }
        transport.sendAndClose(ProtocolMessage.disconnected(reason));
        release();
    }

    /** Fails the connection: ERROR, then close (for protocol violations the client must not retry). */
    public void fail(ErrorInfo reason) {
        if (closed) {
            return;
        }
        transport.sendAndClose(ProtocolMessage.error(reason));
        release();
    }

    @Override
    public void deliver(SharedFrame frame) {
        broker.metrics().messageOut();
        transport.send(frame);
    }

    private void close() {
        transport.sendAndClose(ProtocolMessage.closed());
        release();
    }

    private void release() {
        if (closed) {
            return;
        }
        closed = true;
        expiry.cancel();
        for (Attachment a : attachments.values()) {
            dropAttachment(a);
        }
        attachments.clear();
        broker.metrics().connectionClosed();
        log.debug("{} released", who);
    }

    private void attach(ProtocolMessage message) {
        String name = message.channel();
        ErrorInfo invalid = ChannelNames.validate(name);
        if (invalid != null) {
            malformed(invalid, null, name); // no channel named: a connection-level ERROR, not one for channel ""
            return;
        }
        Principal p = principal;
        if (!p.capability().allowsAny(name)) {
            transport.send(ProtocolMessage.channelError(name, ErrorCode.CAPABILITY_DENIED.info(
                    "Channel denied access based on given capability: '" + name + "'")));
            return;
        }
        Attachment existing = attachments.get(name);
        if (existing == null && attachments.size() >= broker.limits().maxChannelsPerConnection()) {
            transport.send(ProtocolMessage.channelError(name, ErrorCode.TOO_MANY_CHANNELS.info(
                    "Maximum number of channels per connection (" + broker.limits().maxChannelsPerConnection() + ") exceeded")));
            return;
        }
        int requested = Flags.modes(message.flagsOrZero());
        int modes = (requested == 0 ? Flags.DEFAULT_MODES : requested) & p.capability().grantedModes(name);
        Channel channel = broker.router().attach(new ChannelKey(p.appId(), name), this, modes);
        attachments.put(name, new Attachment(channel, modes));
        broker.presence().attached(channel.key(), modes, channel.currentSerial(), transport::send);
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
        broker.router().detach(a.channel().key(), this);
        broker.presence().connectionLeft(a.channel().key(), connectionId,
                closed && presenceGrace ? broker.presence().graceFor(remainPresentFor) : 0);
    }

    /**
     * In-band AUTH: swaps in a new token without dropping channels. The clientId and app never
     * change on a connection; a narrower capability takes effect at once.
     */
    private void reauthenticate(ProtocolMessage message) {
        String token = message.authAccessToken();
        if (token == null || token.isEmpty()) {
            fail(ErrorCode.INVALID_CREDENTIAL.info("AUTH carries no auth.accessToken"));
            return;
        }
        Principal current = principal;
        ClientIdentity identity = current.identity();
        Outcome<Principal> next = broker.authenticator().authenticateToken(token, identity.isIdentified() ? identity.clientId() : null);
        if (next.isOk() && (!next.value().appId().equals(current.appId()) || !next.value().identity().equals(identity))) {
            next = Outcome.fail(ErrorCode.INCOMPATIBLE_CREDENTIALS.info(
                    "Invalid clientId for credentials: a new token may not change the connection's clientId or app"));
        }
        if (!next.isOk()) {
            ErrorInfo error = next.error();
            broker.metrics().authFailed(error.code());
            log.info("{} re-authentication refused: {} {}", who, error.code(), error.message());
            if (error.isTokenError()) {
                disconnect(error);
            } else {
                fail(error);
            }
            return;
        }
        principal = next.value();
        expiry.arm(principal.expiresAt());
        transport.send(ProtocolMessage.connected(connectionId, details(), null, broker.clock().millis()));
        enforceCapability();
    }

    /** Detaches (with 40160) channels the current capability no longer permits; narrows modes on the rest. */
    private void enforceCapability() {
        Principal p = principal;
        for (var it = attachments.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            Attachment a = e.getValue();
            if (!p.capability().allowsAny(name)) {
                it.remove();
                dropAttachment(a);
                transport.send(ProtocolMessage.channelError(name, ErrorCode.CAPABILITY_DENIED.info(
                        "Channel denied access based on given capability: '" + name + "'")));
                continue;
            }
            int modes = a.modes() & p.capability().grantedModes(name);
            if (modes != a.modes()) {
                broker.router().attach(a.channel().key(), this, modes);
                e.setValue(new Attachment(a.channel(), modes));
            }
            if (!p.capability().allows(name, "presence")) {
                // no longer allowed to be present, whatever mode it attached with: its members leave now
                broker.presence().connectionLeft(a.channel().key(), connectionId, 0);
            }
        }
    }

    private void publish(ProtocolMessage message) {
        if (message.msgSerial() == null) {
            reject(message, ErrorCode.PROTOCOL_ERROR.info("MESSAGE without msgSerial"));
            return;
        }
        Outcome<PublishResult> result = checkAndPublish(message);
        if (result.isOk()) {
            transport.send(ProtocolMessage.ack(message.msgSerial(), 1, List.of(result.value())));
        } else {
            transport.send(ProtocolMessage.nack(message.msgSerial(), 1, result.error()));
        }
    }

    /** PRESENCE: enter / update / leave, checked and applied by the presence service; ACK or NACK like MESSAGE. */
    private void presence(ProtocolMessage message) {
        if (message.msgSerial() == null) {
            reject(message, ErrorCode.PROTOCOL_ERROR.info("PRESENCE without msgSerial"));
            return;
        }
        Attachment a = message.channel() == null ? null : attachments.get(message.channel());
        Outcome<List<PresenceMessage>> result = broker.presence().handle(who, connectionId, principal, message,
                a == null ? null : a.modes());
        transport.send(result.isOk() ? ProtocolMessage.ack(message.msgSerial(), 1, null)
                : ProtocolMessage.nack(message.msgSerial(), 1, result.error()));
    }

    /** SYNC from the client: the full presence set of an attached channel (ignored otherwise). */
    private void syncPresence(ProtocolMessage message) {
        Attachment a = message.channel() == null ? null : attachments.get(message.channel());
        if (a != null) {
            broker.presence().sync(a.channel().key(), a.modes(), transport::send);
        }
    }

    private Outcome<PublishResult> checkAndPublish(ProtocolMessage message) {
        String name = message.channel();
        ErrorInfo invalid = ChannelNames.validate(name);
        if (invalid != null) {
            return Outcome.fail(invalid);
        }
        List<Message> messages = message.messages();
        if (messages == null || messages.isEmpty()) {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "MESSAGE carries no messages");
        }
        Principal p = principal;
        if (!p.capability().allows(name, "publish")) {
            return Outcome.fail(ErrorCode.CAPABILITY_DENIED,
                    "Unable to publish to channel '" + name + "': the 'publish' capability is not granted");
        }
        Attachment a = attachments.get(name);
        if (a != null && (a.modes() & Flags.MODE_PUBLISH) == 0) {
            return Outcome.fail(ErrorCode.MODE_NOT_REQUESTED, "Unable to publish: channel '" + name
                    + "' was attached without the PUBLISH mode");
        }
        Outcome<List<Message>> admitted = broker.gate().admitMessages(who, p.identity(), messages);
        if (!admitted.isOk()) {
            return Outcome.fail(admitted.error());
        }
        ErrorInfo tooBig = broker.checkMessages(admitted.value(), connectionId); // after the gate: an implied clientId counts too
        if (tooBig != null) {
            return Outcome.fail(tooBig);
        }
        broker.metrics().messagesIn(messages.size());
        return Outcome.ok(broker.deliver(p.appId(), name, connectionId, connectionId + ':' + message.msgSerial(), admitted.value()));
    }

    /** NACKs a frame that carries a msgSerial, else answers ERROR (channel-level when it names one). */
    private void reject(ProtocolMessage message, ErrorInfo error) {
        malformed(error, message.msgSerial(), message.channel());
    }

    /** Asks the client for a new token shortly before its current one expires (it answers with AUTH). */
    private void requestRenewal() {
        if (!closed) {
            transport.send(ProtocolMessage.of(dev.hubbub.core.protocol.Action.AUTH));
        }
    }

    /** The credentials have expired: the client must renew and reconnect. */
    private void expired() {
        if (!closed) {
            log.info("{} token expired; disconnecting", who);
            disconnect(ErrorCode.TOKEN_EXPIRED.info("Token expired"));
        }
    }
}
