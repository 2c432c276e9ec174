package dev.hubbub.core.auth;

import dev.hubbub.core.log.LogText;

/**
 * A TokenRequest signed with an API key's secret (Ably's TE): an auth server makes one without
 * sharing the secret, a client exchanges it for a token at {@code POST /keys/{keyName}/requestToken}.
 *
 * <p>{@code capability} is kept exactly as received, because the mac covers that text and not a
 * re-serialisation of it. {@code ttl} (ms) and {@code clientId} may be null; {@code timestamp} and
 * {@code nonce} are required for a request to be accepted, and {@code mac} is null only on a request
 * that has not been signed yet. {@link #toString()} leaves the mac and the key name out.
 */
public record TokenRequest(
        String keyName,
        Long ttl,
        String capability,
        String clientId,
        Long timestamp,
        String nonce,
        String mac) {

    /** The same request carrying {@code newMac}. */
    public TokenRequest withMac(String newMac) {
        return new TokenRequest(keyName, ttl, capability, clientId, timestamp, nonce, newMac);
    }

    /**
     * Safe to log: without the key name (until checked against the configured keys it may be a
     * secret written where the name belongs) and the mac; what the client wrote is escaped.
     */
    @Override
    public String toString() {
        return "TokenRequest[ttl=" + ttl + ", capability=" + LogText.untrusted(capability) + ", clientId="
                + LogText.untrusted(clientId) + ", timestamp=" + timestamp + ", nonce=" + LogText.untrusted(nonce) + "]";
    }
}
