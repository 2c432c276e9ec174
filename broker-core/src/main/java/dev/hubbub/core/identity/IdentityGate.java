package dev.hubbub.core.identity;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The one place that decides which clientId a message or presence event carries. Every publish
 * (realtime or REST) and every presence event passes through here on the way into a channel.
 * It fills in the connection's clientId, rejects masquerading, rejects {@code *} as a message
 * clientId, holds a wildcard limited by a clientId pattern to the clientIds the pattern matches and
 * keeps clients without an identity out of presence. It returns values, never throws.
 *
 * <p>A batch is all or nothing: one bad item rejects the whole batch and nothing from it is delivered.
 */
public final class IdentityGate {

    /** Why a claim was rejected; used for metrics and the one log line per rejected claim. */
    public enum Rejection {
        MASQUERADE, WILDCARD_CLAIM, MALFORMED_CLIENT_ID, ANONYMOUS_CLAIM, PRESENCE_WITHOUT_IDENTITY,
        /** A wildcard limited by a clientId pattern named a clientId the pattern does not match. */
        OUTSIDE_PATTERN
    }

    /** A rejected batch: the error to send and the reason to count. */
    public record Rejected(ErrorInfo error, Rejection reason) {}

    /**
     * Who makes a claim, as far as the caller knows: the identity always, the rest when known.
     *
     * @param who          a log correlation key for the caller, e.g. {@code conn=abc}
     * @param principal    the credentials the claim is made under, or null
     * @param channel      the channel written to, or null
     * @param connectionId the realtime connection, or null (REST)
     */
    public record Claimant(String who, ClientIdentity identity, Principal principal, String channel, String connectionId) {
        public Claimant {
            Objects.requireNonNull(who);
            Objects.requireNonNull(identity);
        }

        /** A claim under these credentials. */
        public static Claimant of(String who, Principal principal, String channel, String connectionId) {
            return new Claimant(who, principal.identity(), principal, channel, connectionId);
        }
    }

    private final RejectionListener listener;

    public interface RejectionListener {
        /** @param who a log correlation key for the caller, e.g. {@code conn=abc} */
        void rejected(String who, ClientIdentity identity, Rejection reason, String claimed);

        /** A rejected claim with all that is known of who made it; by default, what the short form takes. */
        default void rejected(Claimant claimant, Rejection reason, String claimed) {
            rejected(claimant.who(), claimant.identity(), reason, claimed);
        }

        RejectionListener NONE = (who, identity, reason, claimed) -> {};
    }

    public IdentityGate(RejectionListener listener) { this.listener = listener; }

    public IdentityGate() { this(RejectionListener.NONE); }

    /** Resolves the clientId of every message, or rejects the batch. */
    public Outcome<List<Message>> admitMessages(String who, ClientIdentity identity, List<Message> messages) {
        return admitMessages(new Claimant(who, identity, null, null, null), messages);
    }

    /** Resolves the clientId of every message, or rejects the batch. */
    public Outcome<List<Message>> admitMessages(Claimant who, List<Message> messages) {
        List<Message> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Outcome<String> resolved = resolveMessageClientId(who, m.clientId());
            if (!resolved.isOk()) {
                return Outcome.fail(resolved.error());
            }
            String id = resolved.value().isEmpty() ? null : resolved.value();
            out.add(Objects.equals(id, m.clientId()) ? m : m.withClientId(id));
        }
        return Outcome.ok(out);
    }

    /** Resolves the clientId of every presence event, or rejects the batch. */
    public Outcome<List<PresenceMessage>> admitPresence(String who, ClientIdentity identity, List<PresenceMessage> events) {
        return admitPresence(new Claimant(who, identity, null, null, null), events);
    }

    /** Resolves the clientId of every presence event, or rejects the batch. */
    public Outcome<List<PresenceMessage>> admitPresence(Claimant who, List<PresenceMessage> events) {
        List<PresenceMessage> out = new ArrayList<>(events.size());
        for (PresenceMessage p : events) {
            Outcome<String> resolved = resolvePresenceClientId(who, p.clientId());
            if (!resolved.isOk()) {
                return Outcome.fail(resolved.error());
            }
            out.add(resolved.value().equals(p.clientId()) ? p : p.withClientId(resolved.value()));
        }
        return Outcome.ok(out);
    }

    /** The clientId a message carries: "" for none. */
    Outcome<String> resolveMessageClientId(Claimant who, String claimed) {
        ClientIdentity identity = who.identity();
        ErrorInfo malformed = malformed(who, claimed);
        if (malformed != null) {
            return Outcome.fail(malformed);
        }
        return switch (identity.kind()) {
            case IDENTIFIED -> claimed == null || claimed.equals(identity.clientId())
                    ? Outcome.ok(identity.clientId())
                    : reject(who, Rejection.MASQUERADE, claimed,
                            "Malformed message; invalid clientId '" + claimed + "': the connection is identified as '"
                                    + identity.clientId() + "'");
            case WILDCARD -> claimed == null || identity.mayName(claimed)
                    ? Outcome.ok(claimed == null ? "" : claimed)
                    : outsidePattern(who, claimed, "Malformed message; invalid clientId '" + claimed + "'");
            case ANONYMOUS -> claimed == null
                    ? Outcome.ok("")
                    : reject(who, Rejection.ANONYMOUS_CLAIM, claimed,
                            "Malformed message; invalid clientId '" + claimed + "': the credentials grant no clientId");
        };
    }

    /** The clientId a presence event carries: never empty. */
    Outcome<String> resolvePresenceClientId(Claimant who, String claimed) {
        ClientIdentity identity = who.identity();
        ErrorInfo malformed = malformed(who, claimed);
        if (malformed != null) {
            return Outcome.fail(malformed);
        }
        return switch (identity.kind()) {
            case IDENTIFIED -> claimed == null || claimed.equals(identity.clientId())
                    ? Outcome.ok(identity.clientId())
                    : reject(who, Rejection.MASQUERADE, claimed,
                            "Invalid presence clientId '" + claimed + "': the connection is identified as '"
                                    + identity.clientId() + "'");
            case WILDCARD -> {
                if (claimed == null) {
                    yield reject(who, Rejection.PRESENCE_WITHOUT_IDENTITY, null,
                            "clientId must be specified to enter a presence channel: the connection has no clientId of its own");
                }
                yield identity.mayName(claimed)
                        ? Outcome.ok(claimed)
                        : outsidePattern(who, claimed, "Invalid presence clientId '" + claimed + "'");
            }
            case ANONYMOUS -> reject(who, claimed == null ? Rejection.PRESENCE_WITHOUT_IDENTITY : Rejection.ANONYMOUS_CLAIM,
                    claimed, "Unable to enter presence: the credentials grant no clientId");
        };
    }

    private ErrorInfo malformed(Claimant who, String claimed) {
        String reason = ClientIdentity.invalidReason(claimed);
        if (reason == null) {
            return null;
        }
        Rejection why = ClientIdentity.WILDCARD_ID.equals(claimed) ? Rejection.WILDCARD_CLAIM : Rejection.MALFORMED_CLIENT_ID;
        listener.rejected(who, why, claimed);
        return ErrorCode.INVALID_CLIENT_ID.info("Malformed message; invalid clientId: " + reason);
    }

    /** A clientId a wildcard's pattern does not match: 40012 naming the pattern. */
    private <T> Outcome<T> outsidePattern(Claimant who, String claimed, String what) {
        return reject(who, Rejection.OUTSIDE_PATTERN, claimed,
                what + ": the credentials allow only clientIds matching '" + who.identity().pattern() + "'");
    }

    private <T> Outcome<T> reject(Claimant who, Rejection why, String claimed, String message) {
        listener.rejected(who, why, claimed);
        return Outcome.fail(ErrorCode.INVALID_CLIENT_ID.info(message));
    }
}
