package dev.hubbub.core.presence;

import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.identity.IdentityGate;
import dev.hubbub.core.identity.Provenance;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.publish.Admission;
import dev.hubbub.core.publish.Publishing;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a client's PRESENCE frame must pass before it touches a presence set, in order: channel
 * name, items present, the {@code presence} capability (40160), attached (90001) with the PRESENCE
 * mode (40165), the actions, no server-side transform (40013) nor header only the broker sets
 * (40000), the size (the same {@link Admission} as publishing), then every item's clientId through
 * the identity gate (40012), and the provenance headers where they are on. The member caps (91003)
 * need the set, so {@link PresenceService} checks them under its lock. Stateless.
 */
final class PresenceAdmission {
    private final Admission admission;
    private final IdentityGate gate;
    private final Provenance provenance;

    PresenceAdmission(Admission admission, IdentityGate gate, Provenance provenance) {
        this.admission = Objects.requireNonNull(admission);
        this.gate = Objects.requireNonNull(gate);
        this.provenance = Objects.requireNonNull(provenance);
    }

    /**
     * Admitted items: as the client sent them with their clientIds resolved ({@code items}), and the
     * same with the provenance headers where they are on ({@code told}: what members and events carry).
     * A leave without content of its own repeats the member's, so {@link PresenceService} needs both.
     */
    record Admitted(List<PresenceMessage> items, List<PresenceMessage> told) {}

    /** Every check of {@link PresenceService#handle} but the member caps; the admitted items, or why the frame is refused. */
    Outcome<Admitted> admit(String who, String connectionId, Principal principal, ProtocolMessage message,
                            Integer attachedModes) {
        String name = message.channel();
        ErrorInfo refused = admission.channel(name);
        if (refused != null) {
            return Outcome.fail(refused);
        }
        name = ChannelNames.baseName(name);
        List<PresenceMessage> items = message.presence();
        if (items == null || items.isEmpty()) {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "PRESENCE carries no presence messages");
        }
        refused = admission.capability(principal, name, Operation.PRESENCE, "enter presence on", connectionId);
        if (refused != null) {
            return Outcome.fail(refused);
        }
        if (attachedModes == null) {
            return Outcome.fail(ErrorCode.CHANNEL_NOT_ATTACHED,
                    "Unable to perform operation on channel: " + name + " (not currently attached)");
        }
        refused = admission.mode(attachedModes, Flags.MODE_PRESENCE, name, "enter presence", "PRESENCE");
        if (refused != null) {
            return Outcome.fail(refused);
        }
        long size = 0;
        for (PresenceMessage p : items) {
            PresenceAction a = p.action();
            if (a != PresenceAction.ENTER && a != PresenceAction.UPDATE && a != PresenceAction.LEAVE) {
                return Outcome.fail(ErrorCode.BAD_REQUEST, "Invalid presence action " + (a == null ? "none" : a.wire())
                        + ": clients may send enter (2), leave (3) or update (4)");
            }
            ErrorInfo transform = Publishing.serverSideTransform(p.encoding(), p.extras());
            if (transform == null) {
                transform = Provenance.reservedHeader(p.extras());
            }
            if (transform != null) {
                return Outcome.fail(transform);
            }
            size += p.size();
        }
        refused = admission.size(size);
        if (refused != null) {
            return Outcome.fail(refused);
        }
        Outcome<List<PresenceMessage>> resolved = gate.admitPresence(IdentityGate.Claimant.of(who, principal, name, connectionId), items);
        if (!resolved.isOk()) {
            return Outcome.fail(resolved.error());
        }
        ChannelKey key = new ChannelKey(principal.appId(), name);
        List<PresenceMessage> told = new ArrayList<>(items.size());
        for (PresenceMessage p : resolved.value()) {
            Outcome<PresenceMessage> stamped = provenance.stampPresence(principal, key, p);
            if (!stamped.isOk()) {
                return Outcome.fail(stamped.error());
            }
            told.add(stamped.value());
        }
        return Outcome.ok(new Admitted(resolved.value(), told));
    }
}
