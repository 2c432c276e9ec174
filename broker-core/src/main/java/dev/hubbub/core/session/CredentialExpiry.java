package dev.hubbub.core.session;

import dev.hubbub.core.outbound.Transport;
import java.time.Clock;

/**
 * The timers of a token's life on one connection: a renewal request shortly before the token
 * expires, and the expiry itself. A timer that fires early (clock skew, a test clock) re-arms for
 * what is left. Confined to the connection's own thread, like its session. Made only for
 * credentials that expire, and calling its session back directly (no callbacks held per connection).
 */
final class CredentialExpiry implements Runnable {
    /** How long before a token expires the client is asked (AUTH) to renew it. */
    static final long RENEWAL_LEAD_MILLIS = 30_000;

    private final Session session;
    private final Transport transport;
    private final Clock clock;
    private Transport.Cancellable expiryTimer;
    private Transport.Cancellable renewalTimer;
    private long expiresAt = Long.MAX_VALUE;

    CredentialExpiry(Session session, Transport transport, Clock clock) {
        this.session = session;
        this.transport = transport;
        this.clock = clock;
    }

    /** (Re)arms for credentials expiring at {@code expiresAt} (epoch ms; Long.MAX_VALUE: never). */
    void arm(long newExpiresAt) {
        cancel();
        expiresAt = newExpiresAt;
        if (expiresAt == Long.MAX_VALUE) {
            return;
        }
        long delay = Math.max(0, expiresAt - clock.millis());
        expiryTimer = transport.schedule(this, delay);
        if (delay > RENEWAL_LEAD_MILLIS * 2) {
            renewalTimer = transport.schedule(session::requestRenewal, delay - RENEWAL_LEAD_MILLIS);
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

    /** The expiry timer: the session ends when the credentials have expired, else it re-arms for what is left. */
    @Override
    public void run() {
        if (clock.millis() >= expiresAt) {
            session.expired();
        } else {
            long pending = expiresAt;
            expiryTimer = transport.schedule(this, Math.max(0, pending - clock.millis()));
        }
    }
}
