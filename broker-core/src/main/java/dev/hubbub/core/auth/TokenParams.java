package dev.hubbub.core.auth;

/**
 * What a client asks for when it wants a token (Ably's TokenParams). Every field may be null:
 * {@code ttl} in milliseconds (null means the default), {@code capability} as capability JSON text
 * (null means the key's own), {@code clientId} (null means an anonymous token, {@code "*"} a
 * wildcard token), {@code timestamp} in epoch millis and {@code nonce} (used only when the params
 * are turned into a signed {@link TokenRequest}). Two hubbub extensions, honoured only where the
 * caller holds the API key itself (basic auth on requestToken, the {@code token} command, this
 * library), since a signed TokenRequest's mac, as the SDKs compute it, cannot cover them:
 * {@code revocationKey}, a key a revocation may name the token by ({@link RevocationTarget}), and
 * {@code clientIdPattern}, the {@link ClientIdPattern} a wildcard token's clientIds must match
 * (only with clientId {@code "*"}).
 */
public record TokenParams(Long ttl, String capability, String clientId, Long timestamp, String nonce, String revocationKey,
                          String clientIdPattern) {

    /** No preferences: default ttl, the key's capability, no clientId. */
    public static final TokenParams DEFAULTS = new TokenParams(null, null, null, null, null, null, null);

    /** Params without a revocation key or clientId pattern. */
    public TokenParams(Long ttl, String capability, String clientId, Long timestamp, String nonce) {
        this(ttl, capability, clientId, timestamp, nonce, null, null);
    }

    /** Params without a clientId pattern. */
    public TokenParams(Long ttl, String capability, String clientId, Long timestamp, String nonce, String revocationKey) {
        this(ttl, capability, clientId, timestamp, nonce, revocationKey, null);
    }

    /** Params for a token bound to one clientId ({@code "*"} for a wildcard token). */
    public static TokenParams forClientId(String clientId) {
        return new TokenParams(null, null, clientId, null, null, null, null);
    }

    /** Params for a wildcard token limited to the clientIds {@code pattern} matches. */
    public static TokenParams forClientIdPattern(String pattern) {
        return new TokenParams(null, null, ClientIdentity.WILDCARD_ID, null, null, null, pattern);
    }

    public TokenParams withTtl(Long newTtl) {
        return new TokenParams(newTtl, capability, clientId, timestamp, nonce, revocationKey, clientIdPattern);
    }

    public TokenParams withCapability(String json) {
        return new TokenParams(ttl, json, clientId, timestamp, nonce, revocationKey, clientIdPattern);
    }

    public TokenParams withClientId(String id) {
        return new TokenParams(ttl, capability, id, timestamp, nonce, revocationKey, clientIdPattern);
    }

    public TokenParams withRevocationKey(String key) {
        return new TokenParams(ttl, capability, clientId, timestamp, nonce, key, clientIdPattern);
    }

    public TokenParams withClientIdPattern(String pattern) {
        return new TokenParams(ttl, capability, clientId, timestamp, nonce, revocationKey, pattern);
    }
}
