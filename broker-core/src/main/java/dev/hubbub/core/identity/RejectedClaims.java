package dev.hubbub.core.identity;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.log.LogText;
import dev.hubbub.core.protocol.ErrorCode;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link IdentityGate}'s listener in a running broker: each rejected clientId claim is counted,
 * gets one log line and, when it can be told which app it belongs to, one event on that app's
 * {@link IdentityAudit} stream. The claimed clientId is the client's own text, of any length (a
 * malformed one is rejected here before anything checks its size): it is logged escaped and cut
 * ({@link LogText}), so it can neither forge a line nor fill the log.
 */
public final class RejectedClaims implements IdentityGate.RejectionListener {
    private static final Logger log = LoggerFactory.getLogger(RejectedClaims.class);

    private final Consumer<IdentityGate.Rejection> counter;
    private final IdentityAudit audit;

    /** @param counter counts each rejection by its reason (the broker's metric) */
    public RejectedClaims(Consumer<IdentityGate.Rejection> counter) { this(counter, null); }

    /** @param audit where each rejection the app is known for is told to the app, or null */
    public RejectedClaims(Consumer<IdentityGate.Rejection> counter, IdentityAudit audit) {
        this.counter = Objects.requireNonNull(counter);
        this.audit = audit;
    }

    @Override
    public void rejected(String who, ClientIdentity identity, IdentityGate.Rejection reason, String claimed) {
        counter.accept(reason);
        log.info("{} rejected clientId claim: reason={} identity={} claimed={}", who, reason, identity.describe(),
                claimed == null ? "<none>" : "'" + LogText.untrusted(claimed) + "'");
    }

    @Override
    public void rejected(IdentityGate.Claimant claimant, IdentityGate.Rejection reason, String claimed) {
        rejected(claimant.who(), claimant.identity(), reason, claimed);
        if (audit != null && claimant.principal() != null) {
            audit.record(AuditEvent.about(AuditEvent.Kind.of(reason), claimant.principal(), ErrorCode.INVALID_CLIENT_ID.info(),
                    audit.now()).claimed(claimed).on(claimant.channel()).connection(claimant.connectionId(), null));
        }
    }
}
