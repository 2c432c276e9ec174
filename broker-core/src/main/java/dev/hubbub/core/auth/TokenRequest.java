package dev.hubbub.core.auth;

/**
 * A TokenRequest signed with an API key's secret (Ably's TE): an auth server makes one without
 * sharing the secret, a client exchanges it for a token at {@code POST /keys/{keyName}/requestToken}.
 *
 * <p>{@code capability} is kept exactly as received, because the mac covers that text and not a
 * re-serialisation of it. {@code ttl} (ms) and {@code clientId} may be null; {@code timestamp} and
 * {@code nonce} are required for a request to be accepted, and {@code mac} is null only on a request
 * that has not been signed yet. {@link #toString()} leaves the mac out.
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

    @Override
    public String toString() {
        return "TokenRequest[keyName=" + keyName + ", ttl=" + ttl + ", capability=" + capability
                + ", clientId=" + clientId + ", timestamp=" + timestamp + ", nonce=" + nonce + "]";
    }
}
