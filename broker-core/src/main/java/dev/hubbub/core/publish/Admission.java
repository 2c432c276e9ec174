package dev.hubbub.core.publish;

import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.identity.AuditEvent;
import dev.hubbub.core.identity.IdentityAudit;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;

/**
 * The checks every write into a channel passes, message or presence event, each written once:
 * the channel name, the capability, the mode the channel was attached with, and the size. Each
 * returns the error to report, or null when the write may go on. Stateless apart from the limit;
 * any thread.
 */
public final class Admission {
    private final int maxMessageSize;
    private final IdentityAudit audit;

    public Admission(int maxMessageSize) { this(maxMessageSize, IdentityAudit.OFF); }

    /** @param audit told of every capability denial (40160), on the app's audit stream */
    public Admission(int maxMessageSize, IdentityAudit audit) {
        this.maxMessageSize = maxMessageSize;
        this.audit = java.util.Objects.requireNonNull(audit);
    }

    /** A channel name a client may use (40010 otherwise). */
    public ErrorInfo channel(String name) { return ChannelNames.validate(name); }

    /**
     * The principal's capability grants {@code operation} on the channel (40160 otherwise).
     *
     * @param doing what was refused, for the message: "publish to", "enter presence on"
     */
    public ErrorInfo capability(Principal principal, String channel, Operation operation, String doing) {
        return capability(principal, channel, operation, doing, null);
    }

    /**
     * {@link #capability(Principal, String, Operation, String)} for a write by a realtime connection;
     * a denial is told to the app's audit stream.
     *
     * @param connectionId the writing connection, or null (REST)
     */
    public ErrorInfo capability(Principal principal, String channel, Operation operation, String doing, String connectionId) {
        if (principal.capability().allows(channel, operation)) {
            return null;
        }
        ErrorInfo denied = ErrorCode.CAPABILITY_DENIED.info("Unable to " + doing + " channel '" + channel + "': the '"
                + operation.wireName() + "' capability is not granted"
                + (ChannelNames.isMeta(channel) ? " (only the broker writes to a metachannel)" : ""));
        audit.record(AuditEvent.about(AuditEvent.Kind.CAPABILITY_DENIED, principal, denied, audit.now()).on(channel)
                .connection(connectionId, null).counted(null, operation.wireName()));
        return denied;
    }

    /**
     * A connection attached with {@code attachedModes} holds {@code mode} (40165 otherwise).
     *
     * @param what the mode's name for the message, e.g. "PUBLISH"
     */
    public ErrorInfo mode(int attachedModes, int mode, String channel, String doing, String what) {
        if ((attachedModes & mode) != 0) {
            return null;
        }
        return ErrorCode.MODE_NOT_REQUESTED.info("Unable to " + doing + ": channel '" + channel
                + "' was attached without the " + what + " mode");
    }

    /** What one write carries, all items together, fits the message size limit (40009 otherwise). */
    public ErrorInfo size(long bytes) {
        if (bytes <= maxMessageSize) {
            return null;
        }
        return ErrorCode.MESSAGE_TOO_LARGE.info("Maximum message length exceeded (size was " + bytes
                + " bytes, limit is " + maxMessageSize + " bytes)");
    }

    public int maxMessageSize() { return maxMessageSize; }
}
