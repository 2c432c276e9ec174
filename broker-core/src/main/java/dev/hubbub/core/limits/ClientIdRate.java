package dev.hubbub.core.limits;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The publish rate of each person ({@code maxPublishRatePerClientId}): one token bucket per (app,
 * clientId), shared by all that clientId's connections on this node and its REST publishes. A
 * bucket holds one second's worth and refills continuously; a publish is admitted whole or
 * refused whole (NACK 42910), like the per-connection rate. Buckets that have refilled are
 * forgotten. Thread-safe: each bucket is locked on its own.
 */
public final class ClientIdRate {
    /** Refusals further apart than this start a new run (a new log line). */
    static final long RUN_GAP_MILLIS = 1_000;
    private static final int SWEEP_EVERY = 4096;

    private record Person(String appId, String clientId) {}

    private final ClientIdLimits limits;
    private final Clock clock;
    private final LimitBites bites;
    private final ConcurrentHashMap<Person, Bucket> buckets = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger takes = new java.util.concurrent.atomic.AtomicInteger();

    public ClientIdRate(ClientIdLimits limits, Clock clock, LimitBites bites) {
        this.limits = Objects.requireNonNull(limits);
        this.clock = Objects.requireNonNull(clock);
        this.bites = Objects.requireNonNull(bites);
    }

    /** No app limits publishing per clientId. */
    public static ClientIdRate off() {
        return new ClientIdRate(ClientIdLimits.OFF, Clock.systemUTC(),
                new LimitBites(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    }

    /** Whether {@code appId} limits the publish rate of its clientIds (else a publish costs nothing here). */
    public boolean limits(String appId) { return limits.maxPublishRate(appId) > 0; }

    /**
     * Takes what a publish of {@code appId} costs each clientId it names (messages by resolved
     * clientId; messages without one are not counted), or says why not: 42910, nothing taken.
     *
     * @param who the publisher's correlation key, for the log line
     */
    public ErrorInfo take(String appId, Map<String, Integer> byClientId, String who) {
        int max = limits.maxPublishRate(appId);
        if (max <= 0 || byClientId.isEmpty()) {
            return null;
        }
        if (takes.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep();
        }
        long now = clock.millis();
        List<Map.Entry<Bucket, Integer>> taken = new ArrayList<>(byClientId.size());
        for (Map.Entry<String, Integer> e : byClientId.entrySet()) {
            Bucket b = buckets.computeIfAbsent(new Person(appId, e.getKey()), p -> new Bucket(max, now));
            int count = e.getValue();
            Boolean opensRun = b.take(count, max, now);
            if (opensRun != null) {
                taken.forEach(t -> t.getKey().refund(t.getValue(), max));
                bites.bitten(new LimitBites.Bite(LimitBites.Limit.RATE, LimitBites.Action.REFUSED_PUBLISH, appId, e.getKey(),
                        who, sum(byClientId), max, opensRun));
                return ErrorCode.RATE_LIMITED.info("Maximum per-clientId publish rate exceeded (" + max
                        + " messages per second for each clientId, across its connections); unable to publish message");
            }
            taken.add(Map.entry(b, count));
        }
        return null;
    }

    private static int sum(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Forgets buckets that are full again (as good as new); every few thousand publishes, and by tests. */
    public void sweep() {
        long now = clock.millis();
        buckets.values().removeIf(b -> b.fullAt(now));
    }

    /** How many clientIds have a bucket now. */
    public int bucketCount() { return buckets.size(); }

    private static final class Bucket {
        private double tokens;
        private double rate;
        private long refilledAt;
        private long lastRefused = Long.MIN_VALUE / 2;

        Bucket(int rate, long now) {
            this.rate = rate;
            this.tokens = rate;
            this.refilledAt = now;
        }

        /** null when taken; else whether this refusal opens a run. */
        synchronized Boolean take(int count, int max, long now) {
            refill(max, now);
            if (tokens >= Math.min(count, rate)) {
                tokens -= count;
                return null;
            }
            boolean opens = now - lastRefused > RUN_GAP_MILLIS;
            lastRefused = now;
            return opens;
        }

        synchronized void refund(int count, int max) { tokens = Math.min(max, tokens + count); }

        synchronized boolean fullAt(long now) {
            refill(rate, now);
            return tokens >= rate && now - lastRefused > RUN_GAP_MILLIS;
        }

        private void refill(double max, long now) {
            rate = max;
            long elapsed = now - refilledAt;
            refilledAt = Math.max(refilledAt, now);
            if (elapsed > 0) {
                tokens = Math.min(rate, tokens + elapsed * rate / 1000.0);
            }
        }
    }
}
