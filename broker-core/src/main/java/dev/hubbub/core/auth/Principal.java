package dev.hubbub.core.auth;

import java.util.Objects;

/**
 * Who a connection or REST request is, once authenticated. Immutable: new credentials make a new
 * Principal. {@code expiresAt} is epoch millis, or {@link Long#MAX_VALUE} for API-key (basic) auth.
 * {@code token} is what the token it authenticated with says (so a revocation can tell whether it
 * names that token), or null for basic auth.
 */
public record Principal(
        String appId,
        String keyName,
        CredentialKind credentialKind,
        ClientIdentity identity,
        Capability capability,
        long expiresAt,
        TokenClaims token) {

    /** How the principal authenticated: an API key (basic auth), one of hubbub's own tokens, or an Ably JWT. */
    public enum CredentialKind { BASIC, TOKEN, JWT }

    public Principal {
        Objects.requireNonNull(appId, "appId");
        Objects.requireNonNull(keyName, "keyName");
        Objects.requireNonNull(credentialKind, "credentialKind");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(capability, "capability");
    }

    /** A principal whose token claims are not known (basic auth, tests). */
    public Principal(String appId, String keyName, CredentialKind credentialKind, ClientIdentity identity,
                     Capability capability, long expiresAt) {
        this(appId, keyName, credentialKind, identity, capability, expiresAt, null);
    }

    public boolean expiresBy(long nowMillis) { return nowMillis >= expiresAt; }

    @Override
    public String toString() {
        return "Principal[app=" + appId + ", key=" + keyName + ", " + credentialKind + ", " + identity.describe() + "]";
    }
}
