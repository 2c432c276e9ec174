package dev.hubbub.core.auth;

import dev.hubbub.core.protocol.Outcome;

/**
 * Where the nonces of accepted TokenRequests are remembered, so a signed request is exchanged
 * once within its replay window. {@link LocalNonceStore} remembers them on this node; a cluster
 * remembers them where every node looks (broker-cluster's {@code RedisNonceStore}), since a
 * replay may be sent to any node.
 *
 * <p>Implementations fail closed: when they cannot tell whether a nonce was seen, they answer an
 * error (5xxxx) and {@link TokenAuthority} refuses the request; they never guess "first use".
 */
public interface NonceStore {
    /**
     * Records {@code nonce} for {@code keyName} unless it is already recorded. May block the caller
     * (a remote store: up to its command timeout).
     *
     * @param keyName        the key the request is signed with (its name starts with the app id, so apps stay apart)
     * @param nonce          the request's nonce, as received (untrusted: implementations neither log nor store it in clear
     *                       outside this process)
     * @param rememberMillis how long the nonce must be remembered from now
     * @return true when this is its first use (now recorded), false for a replay; a failure (5xxxx)
     *         when the store cannot answer
     */
    Outcome<Boolean> firstUse(String keyName, String nonce, long rememberMillis);
}
