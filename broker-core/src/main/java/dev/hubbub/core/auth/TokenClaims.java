package dev.hubbub.core.auth;

import java.util.Objects;

/**
 * What a verified token (ours or an Ably JWT) grants. {@code clientId} is null for a token issued
 * without one, {@code "*"} for a wildcard token, else the identity the token is bound to.
 * Times are epoch millis. The capability is already intersected with the issuing key's.
 * {@code revocationKey} is the key a revocation may name the token by ({@link RevocationTarget}),
 * or null.
 */
public record TokenClaims(String keyName, String appId, String clientId, Capability capability, long issued, long expires,
                          String revocationKey) {
    public TokenClaims {
        Objects.requireNonNull(keyName, "keyName");
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(capability, "capability");
    }

    /** Claims without a revocation key. */
    public TokenClaims(String keyName, String appId, String clientId, Capability capability, long issued, long expires) {
        this(keyName, appId, clientId, capability, issued, expires, null);
    }
}
