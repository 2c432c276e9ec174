package dev.hubbub.core.auth;

import java.util.Objects;

/**
 * What a verified token (ours or an Ably JWT) grants. {@code clientId} is null for a token issued
 * without one, {@code "*"} for a wildcard token, else the identity the token is bound to.
 * Times are epoch millis. The capability is already intersected with the issuing key's.
 * {@code revocationKey} is the key a revocation may name the token by ({@link RevocationTarget}),
 * or null. {@code clientIdPattern} limits a wildcard token's clientIds, or is null (no limit; always
 * null unless {@code clientId} is {@code "*"}).
 */
public record TokenClaims(String keyName, String appId, String clientId, Capability capability, long issued, long expires,
                          String revocationKey, ClientIdPattern clientIdPattern) {
    public TokenClaims {
        Objects.requireNonNull(keyName, "keyName");
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(capability, "capability");
        if (clientIdPattern != null && !ClientIdentity.WILDCARD_ID.equals(clientId)) {
            throw new IllegalArgumentException("a clientId pattern belongs to a wildcard token only");
        }
    }

    /** Claims without a clientId pattern. */
    public TokenClaims(String keyName, String appId, String clientId, Capability capability, long issued, long expires,
                       String revocationKey) {
        this(keyName, appId, clientId, capability, issued, expires, revocationKey, null);
    }

    /** Claims without a revocation key or clientId pattern. */
    public TokenClaims(String keyName, String appId, String clientId, Capability capability, long issued, long expires) {
        this(keyName, appId, clientId, capability, issued, expires, null, null);
    }
}
