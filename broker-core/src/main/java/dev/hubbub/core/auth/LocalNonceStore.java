package dev.hubbub.core.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The nonces of one node, in memory: enough for a single node, where every replay reaches the
 * node that saw the first use.
 *
 * <p>One bounded store per key, so no app can push another app's nonces out (only a holder of a
 * key's secret can fill that key's store). It fails closed: a full store forgets nothing early (a
 * forgotten nonce could be replayed); it refuses new TokenRequests for that key (42910) until
 * entries expire. Its bound ({@link TokenSettings#nonceCacheSize}) is far above what one key
 * signs in a window. Entries expire after the time each was recorded for, measured on the given
 * clock. Thread-safe; concurrent first uses may pass the bound by the number of threads at most.
 */
public final class LocalNonceStore implements NonceStore {
    private final Map<String, Cache<String, Long>> byKey = new ConcurrentHashMap<>();
    private final Ticker ticker;
    private final long maxPerKey;

    /** @param maxPerKey most nonces remembered at once per key */
    public LocalNonceStore(Clock clock, long maxPerKey) {
        Objects.requireNonNull(clock, "clock");
        if (maxPerKey < 1) {
            throw new IllegalArgumentException("maxPerKey must be at least 1");
        }
        this.ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
        this.maxPerKey = maxPerKey;
    }

    @Override
    public Outcome<Boolean> firstUse(String keyName, String nonce, long rememberMillis) {
        Cache<String, Long> seen = of(keyName);
        if (seen.asMap().containsKey(nonce)) {
            return Outcome.ok(false);
        }
        if (seen.estimatedSize() >= maxPerKey) {
            seen.cleanUp(); // drop what has expired before deciding it is full
            if (seen.estimatedSize() >= maxPerKey) {
                return Outcome.fail(ErrorCode.RATE_LIMITED.info("Too many TokenRequests signed with this key within the"
                        + " replay window; retry later"));
            }
        }
        return Outcome.ok(seen.asMap().putIfAbsent(nonce, rememberMillis) == null);
    }

    private Cache<String, Long> of(String keyName) {
        return byKey.computeIfAbsent(keyName, k -> Caffeine.newBuilder()
                .executor(Runnable::run) // upkeep on the caller: no common-pool task and thread wake-up per few nonces
                .ticker(ticker)
                .expireAfter(Expiry.<String, Long>creating((nonce, millis) -> Duration.ofMillis(millis)))
                .build());
    }
}
