package dev.hubbub.core.identity;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.log.LogText;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link IdentityGate}'s listener in a running broker: each rejected clientId claim is counted
 * and gets one log line. The claimed clientId is the client's own text, of any length (a malformed
 * one is rejected here before anything checks its size): it is logged escaped and cut
 * ({@link LogText}), so it can neither forge a line nor fill the log.
 */
public final class RejectedClaims implements IdentityGate.RejectionListener {
    private static final Logger log = LoggerFactory.getLogger(RejectedClaims.class);

    private final Consumer<IdentityGate.Rejection> counter;

    /** @param counter counts each rejection by its reason (the broker's metric) */
    public RejectedClaims(Consumer<IdentityGate.Rejection> counter) { this.counter = Objects.requireNonNull(counter); }

    @Override
    public void rejected(String who, ClientIdentity identity, IdentityGate.Rejection reason, String claimed) {
        counter.accept(reason);
        log.info("{} rejected clientId claim: reason={} identity={} claimed={}", who, reason, identity.describe(),
                claimed == null ? "<none>" : "'" + LogText.untrusted(claimed) + "'");
    }
}
