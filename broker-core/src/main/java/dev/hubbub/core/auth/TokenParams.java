package dev.hubbub.core.auth;

/**
 * What a client asks for when it wants a token (Ably's TokenParams). Every field may be null:
 * {@code ttl} in milliseconds (null means the default), {@code capability} as capability JSON text
 * (null means the key's own), {@code clientId} (null means an anonymous token, {@code "*"} a
 * wildcard token), {@code timestamp} in epoch millis and {@code nonce} (used only when the params
 * are turned into a signed {@link TokenRequest}), {@code revocationKey} (a hubbub extension: a key a
 * revocation may name the token by, {@link RevocationTarget}; honoured only where the caller holds
 * the API key itself, since a signed TokenRequest's mac, as the SDKs compute it, cannot cover it).
 */
public record TokenParams(Long ttl, String capability, String clientId, Long timestamp, String nonce, String revocationKey) {

    /** No preferences: default ttl, the key's capability, no clientId. */
    public static final TokenParams DEFAULTS = new TokenParams(null, null, null, null, null, null);

    /** Params without a revocation key. */
    public TokenParams(Long ttl, String capability, String clientId, Long timestamp, String nonce) {
        this(ttl, capability, clientId, timestamp, nonce, null);
    }

    /** Params for a token bound to one clientId ({@code "*"} for a wildcard token). */
    public static TokenParams forClientId(String clientId) {
        return new TokenParams(null, null, clientId, null, null, null);
    }

    public TokenParams withTtl(Long newTtl) { return new TokenParams(newTtl, capability, clientId, timestamp, nonce, revocationKey); }

    public TokenParams withCapability(String json) { return new TokenParams(ttl, json, clientId, timestamp, nonce, revocationKey); }

    public TokenParams withClientId(String id) { return new TokenParams(ttl, capability, id, timestamp, nonce, revocationKey); }

    public TokenParams withRevocationKey(String key) { return new TokenParams(ttl, capability, clientId, timestamp, nonce, key); }
}
