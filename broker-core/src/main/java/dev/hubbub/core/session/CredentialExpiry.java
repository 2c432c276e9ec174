package dev.hubbub.core.session;

import dev.hubbub.core.outbound.Transport;
import java.time.Clock;

/**
 * The timers of a token's life on one connection: a renewal request shortly before the token
 * expires, and the expiry itself. A timer that fires early (clock skew, a test clock) re-arms for
 * what is left. Confined to the connection's own thread, like its session.
 */
final class CredentialExpiry {
    /** How long before a token expires the client is asked (AUTH) to renew it. */
    static final long RENEWAL_LEAD_MILLIS = 30_000;

    private final Transport transport;
    private final Clock clock;
    private final Runnable onRenewalDue;
    private final Runnable onExpired;
    private Transport.Cancellable expiryTimer;
    private Transport.Cancellable renewalTimer;
    private long expiresAt = Long.MAX_VALUE;

    CredentialExpiry(Transport transport, Clock clock, Runnable onRenewalDue, Runnable onExpired) {
        this.transport = transport;
        this.clock = clock;
        this.onRenewalDue = onRenewalDue;
        this.onExpired = onExpired;
    }

    /** (Re)arms for credentials expiring at {@code expiresAt} (epoch ms; Long.MAX_VALUE: never). */
    void arm(long newExpiresAt) {
        cancel();
        expiresAt = newExpiresAt;
        if (expiresAt == Long.MAX_VALUE) {
            return;
        }
        long delay = Math.max(0, expiresAt - clock.millis());
        expiryTimer = transport.schedule(this::check, delay);
        if (delay > RENEWAL_LEAD_MILLIS * 2) {
            renewalTimer = transport.schedule(onRenewalDue, delay - RENEWAL_LEAD_MILLIS);
        }
    }

    void cancel() {
        if (expiryTimer != null) {
            expiryTimer.cancel();
            expiryTimer = null;
        }
        if (renewalTimer != null) {
            renewalTimer.cancel();
            renewalTimer = null;
        }
    }

    private void check() {
        if (clock.millis() >= expiresAt) {
            onExpired.run();
        } else {
            long pending = expiresAt;
            expiryTimer = transport.schedule(this::check, Math.max(0, pending - clock.millis()));
        }
    }
}
