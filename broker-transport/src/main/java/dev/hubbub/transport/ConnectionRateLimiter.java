package dev.hubbub.transport;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Enforces a {@link ConnectionRate} as connections are accepted: one token bucket per remote
 * address (an IPv6 address counts by its /64, the block one host or one LAN usually holds, so a
 * host cannot dodge the limit by rotating through its own addresses).
 *
 * <p>Buckets live in a bounded cache and are forgotten once idle for as long as a bucket takes to
 * refill: a forgotten bucket would be full again anyway. When more addresses than the bound are
 * active, the least recently seen are forgotten first (they start again with a full bucket).
 *
 * <p>Thread safety: called from every event loop at once; each bucket is guarded by its own lock,
 * held for a few arithmetic operations.
 */
public final class ConnectionRateLimiter {
    /** At most this many addresses are tracked at once. */
    static final int MAX_ADDRESSES = 100_000;

    private final ConnectionRate rate;
    private final List<IpSubnetFilterRule> exempt;
    private final LongSupplier nanoTime;
    private final Cache<Object, Bucket> buckets;
    private final LongAdder refused = new LongAdder();

    public ConnectionRateLimiter(ConnectionRate rate) {
        this(rate, System::nanoTime);
    }

    /** @param nanoTime the clock (tests drive one by hand) */
    ConnectionRateLimiter(ConnectionRate rate, LongSupplier nanoTime) {
        this.rate = rate;
        this.exempt = rate.exemptRules();
        this.nanoTime = nanoTime;
        long refillMillis = rate.enabled() ? (long) Math.ceil(rate.burst() * 1000.0 / rate.perSecond()) : 0;
        this.buckets = Caffeine.newBuilder()
                .executor(Runnable::run) // upkeep on the accepting event loop: no common-pool task and wake-up
                .maximumSize(MAX_ADDRESSES)
                .expireAfterAccess(Duration.ofMillis(Math.max(1000, refillMillis)))
                .ticker(nanoTime::getAsLong)
                .build();
    }

    /** Takes one attempt from the address's bucket: false when it is empty (the connection is to be refused). */
    public boolean tryAcquire(SocketAddress remote) {
        if (!rate.enabled() || !(remote instanceof InetSocketAddress socket) || socket.getAddress() == null) {
            return true;
        }
        for (IpSubnetFilterRule rule : exempt) {
            if (rule.matches(socket)) {
                return true;
            }
        }
        long now = nanoTime.getAsLong();
        Bucket bucket = buckets.get(key(socket.getAddress()), k -> new Bucket(rate.burst(), now));
        if (bucket.take(now, rate.perSecond(), rate.burst())) {
            return true;
        }
        refused.increment();
        return false;
    }

    /** Connection attempts refused so far. */
    public long refused() { return refused.sum(); }

    /** Whole seconds until an empty bucket has an attempt again (for Retry-After). */
    public long retryAfterSeconds() {
        return rate.enabled() ? Math.max(1, (long) Math.ceil(1 / rate.perSecond())) : 1;
    }

    /** What a bucket is kept under: the address, or an IPv6 address's /64. */
    static Object key(InetAddress address) {
        if (address instanceof Inet6Address) {
            return new V6Prefix(ByteBuffer.wrap(address.getAddress(), 0, 8).getLong());
        }
        return address;
    }

    private record V6Prefix(long upper64) {}

    private static final class Bucket {
        private double tokens;
        private long last;

        Bucket(int burst, long now) {
            this.tokens = burst;
            this.last = now;
        }

        synchronized boolean take(long now, double perSecond, int burst) {
            if (now > last) {
                tokens = Math.min(burst, tokens + (now - last) * perSecond / 1e9);
                last = now;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
