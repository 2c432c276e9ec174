package dev.hubbub.core.session;

import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.auth.RevocationRule;
import dev.hubbub.core.auth.TokenRevocations;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.core.protocol.ErrorInfo;
import java.time.Clock;
import java.util.Objects;

/**
 * Applies revocations to the connections already open on this node: when a rule arrives (made here
 * or learned from another node) every live session whose token it names is ended with
 * DISCONNECTED 40141 ({@link DisconnectReason#TOKEN_REVOKED}: its presence members leave at once).
 * A rule postponed by {@code allowReauthMargin} first asks those sessions to renew their token (an
 * AUTH frame; an SDK that can renew answers with a new token, which the rule does not name), and
 * ends the ones still on a named token when it applies.
 *
 * <p>Each session is checked and ended on its own thread, against the token it holds then (it may
 * have renewed meanwhile). New connections and in-band AUTH need nothing from here: they are
 * verified against the rules as they come (the connector checks once more after registering a
 * session, for a rule that arrived in between).
 *
 * <p>Thread-safe: {@link #ruleAdded} runs on whichever thread added the rule and only hands work on.
 */
public final class RevokedSessions {
    private final ConnectionRegistry connections;
    private final Authenticator authenticator;
    private final Clock clock;
    private final PresenceTimers timers;

    /** @param timers runs the sweep of a rule that applies later (allowReauthMargin) */
    public RevokedSessions(ConnectionRegistry connections, Authenticator authenticator, Clock clock, PresenceTimers timers) {
        this.connections = Objects.requireNonNull(connections);
        this.authenticator = Objects.requireNonNull(authenticator);
        this.clock = Objects.requireNonNull(clock);
        this.timers = Objects.requireNonNull(timers);
    }

    /** Applies every rule {@code revocations} learns from now on. */
    public RevokedSessions follow(TokenRevocations revocations) {
        revocations.onRule(this::ruleAdded);
        return this;
    }

    /** A new rule: ends the sessions it names now, or asks them to renew and ends them when it applies. */
    public void ruleAdded(RevocationRule rule) {
        long delay = rule.appliesAt() - clock.millis();
        if (delay <= 0) {
            sweep(rule);
            return;
        }
        connections.forEachLive(s -> {
            Principal p = s.principal();
            if (p.token() != null && rule.covers(p.token())) {
                s.outbound().schedule(() -> {
                    if (!s.isClosed()) {
                        s.requestRenewal();
                    }
                }, 0);
            }
        });
        timers.schedule(() -> sweepWhenDue(rule), delay);
    }

    /** Sweeps once the clock says the rule applies (a timer may fire early). */
    private void sweepWhenDue(RevocationRule rule) {
        long left = rule.appliesAt() - clock.millis();
        if (left > 0) {
            timers.schedule(() -> sweepWhenDue(rule), left);
        } else {
            sweep(rule);
        }
    }

    /**
     * Ends, each on its own thread, every live session whose token the rule names and is revoked
     * then (checked there against all rules: it may have renewed its token meanwhile).
     */
    private void sweep(RevocationRule rule) {
        connections.forEachLive(s -> {
            Principal p = s.principal();
            if (p.token() != null && rule.covers(p.token())) {
                s.outbound().schedule(() -> {
                    ErrorInfo revoked = authenticator.revocation(s.principal());
                    if (revoked != null) {
                        s.end(DisconnectReason.TOKEN_REVOKED, revoked);
                    }
                }, 0);
            }
        });
    }
}
