package dev.hubbub.core.auth;

import java.util.Objects;

/**
 * One revocation, as every node enforces it: the tokens of key {@code keyName} that {@code target}
 * names and that were issued at or before {@code issuedBefore} stop working from {@code appliesAt}
 * on. The rule is kept until {@code forgetAt}, when every token it could name has expired. Times
 * are epoch millis.
 */
public record RevocationRule(String keyName, RevocationTarget target, long issuedBefore, long appliesAt, long forgetAt) {
    public RevocationRule {
        Objects.requireNonNull(keyName, "keyName");
        Objects.requireNonNull(target, "target");
        if (forgetAt < appliesAt) {
            throw new IllegalArgumentException("a revocation is forgotten only after it applies");
        }
    }

    /** Whether the rule names this token, now or once it applies. */
    public boolean covers(TokenClaims claims) {
        return keyName.equals(claims.keyName()) && claims.issued() <= issuedBefore && target.matches(claims);
    }

    /** Whether the rule makes this token unusable at {@code now}. */
    public boolean revokes(TokenClaims claims, long now) {
        return now >= appliesAt && now < forgetAt && covers(claims);
    }

    /**
     * Whether, from {@code now} on, every token this rule revokes is revoked by {@code other} at least
     * as early and as long (two rules already applying apply equally early).
     */
    boolean dominatedBy(RevocationRule other, long now) {
        return keyName.equals(other.keyName) && target.equals(other.target) && other.issuedBefore >= issuedBefore
                && Math.max(other.appliesAt, now) <= Math.max(appliesAt, now) && other.forgetAt >= forgetAt;
    }
}
