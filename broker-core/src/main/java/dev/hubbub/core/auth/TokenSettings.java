package dev.hubbub.core.auth;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits for issuing and verifying tokens. Immutable and validated on construction.
 *
 * @param defaultTtl        lifetime of a token whose request names no ttl (Ably: 60 minutes)
 * @param maxTtl            longest lifetime a request may ask for (Ably: 24 hours)
 * @param timestampWindow   how far a TokenRequest's timestamp may be from the broker's clock, either
 *                          way (Ably: 2 minutes); nonces are remembered for twice this
 * @param nonceCacheSize    most nonces remembered at once per key (bounded so a flood cannot exhaust memory;
 *                          per key, so one app cannot evict another's nonces). The default, 2,000,000, holds
 *                          an auth server signing 8,000 TokenRequests a second with one key (each nonce is
 *                          kept four minutes) in 32-64 MB
 * @param verifiedCacheSize most verified tokens remembered, so a token is checked once, not per use
 */
public record TokenSettings(
        Duration defaultTtl,
        Duration maxTtl,
        Duration timestampWindow,
        long nonceCacheSize,
        long verifiedCacheSize) {

    public static final TokenSettings DEFAULTS = new TokenSettings(
            Duration.ofMinutes(60), Duration.ofHours(24), Duration.ofMinutes(2), 2_000_000, 10_000);

    public TokenSettings {
        Objects.requireNonNull(defaultTtl, "defaultTtl");
        Objects.requireNonNull(maxTtl, "maxTtl");
        Objects.requireNonNull(timestampWindow, "timestampWindow");
        if (defaultTtl.isNegative() || defaultTtl.isZero() || maxTtl.compareTo(defaultTtl) < 0) {
            throw new IllegalArgumentException("token ttl: need 0 < defaultTtl <= maxTtl");
        }
        if (timestampWindow.isNegative() || timestampWindow.isZero()) {
            throw new IllegalArgumentException("token timestampWindow must be positive");
        }
        if (nonceCacheSize < 1 || verifiedCacheSize < 0) {
            throw new IllegalArgumentException("token caches: nonceCacheSize >= 1, verifiedCacheSize >= 0");
        }
    }
}
