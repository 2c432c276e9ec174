package dev.hubbub.core.auth;

/**
 * What a client asks for when it wants a token (Ably's TokenParams). Every field may be null:
 * {@code ttl} in milliseconds (null means the default), {@code capability} as capability JSON text
 * (null means the key's own), {@code clientId} (null means an anonymous token, {@code "*"} a
 * wildcard token), {@code timestamp} in epoch millis and {@code nonce} (used only when the params
 * are turned into a signed {@link TokenRequest}).
 */
public record TokenParams(Long ttl, String capability, String clientId, Long timestamp, String nonce) {

    /** No preferences: default ttl, the key's capability, no clientId. */
    public static final TokenParams DEFAULTS = new TokenParams(null, null, null, null, null);

    /** Params for a token bound to one clientId ({@code "*"} for a wildcard token). */
    public static TokenParams forClientId(String clientId) {
        return new TokenParams(null, null, clientId, null, null);
    }

    public TokenParams withTtl(Long newTtl) { return new TokenParams(newTtl, capability, clientId, timestamp, nonce); }

    public TokenParams withCapability(String json) { return new TokenParams(ttl, json, clientId, timestamp, nonce); }

    public TokenParams withClientId(String id) { return new TokenParams(ttl, capability, id, timestamp, nonce); }
}
