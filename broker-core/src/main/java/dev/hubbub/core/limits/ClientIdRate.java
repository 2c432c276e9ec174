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
 * forgotten, at most once a second (a pass over the buckets, by whichever publish comes due: a
 * pass every few thousand publishes cost an event loop a walk over every active clientId that
 * often). Thread-safe: each bucket is locked on its own; a bucket the sweep retires is never
 * taken from again (a publish that found it just before takes from its successor instead).
 */
public final class ClientIdRate {
    /** Refusals further apart than this start a new run (a new log line). */
    static final long RUN_GAP_MILLIS = 1_000;
    /** The least time between two sweeps. */
    public static final long SWEEP_EVERY_MILLIS = 1_000;

    private record Person(String appId, String clientId) {}

    private final ClientIdLimits limits;
    private final Clock clock;
    private final LimitBites bites;
    private final ConcurrentHashMap<Person, Bucket> buckets = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong lastSweep;

    public ClientIdRate(ClientIdLimits limits, Clock clock, LimitBites bites) {
        this.limits = Objects.requireNonNull(limits);
        this.clock = Objects.requireNonNull(clock);
        this.bites = Objects.requireNonNull(bites);
        this.lastSweep = new java.util.concurrent.atomic.AtomicLong(clock.millis());
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
        long now = clock.millis();
        long swept = lastSweep.get();
        if (now - swept >= SWEEP_EVERY_MILLIS && lastSweep.compareAndSet(swept, now)) {
            sweep();
        }
        List<Map.Entry<Bucket, Integer>> taken = new ArrayList<>(byClientId.size());
        for (Map.Entry<String, Integer> e : byClientId.entrySet()) {
            Person person = new Person(appId, e.getKey());
            int count = e.getValue();
            Bucket b;
            int verdict;
            do { // a bucket the sweep retired meanwhile is gone from the map: its successor counts
                b = buckets.computeIfAbsent(person, p -> new Bucket(max, now));
                verdict = b.take(count, max, now);
            } while (verdict == Bucket.RETIRED);
            if (verdict != Bucket.TAKEN) {
                boolean opensRun = verdict == Bucket.REFUSED_OPENS_RUN;
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
        buckets.values().removeIf(b -> b.retireIfFull(now));
    }

    /** How many clientIds have a bucket now. */
    public int bucketCount() { return buckets.size(); }

    private static final class Bucket {
        private double tokens;
        private double rate;
        private long refilledAt;
        private long lastRefused = Long.MIN_VALUE / 2;
        private boolean retired;
        static final int TAKEN = 0;
        static final int REFUSED_OPENS_RUN = 1;
        static final int REFUSED = 2;
        /** The sweep has retired the bucket: look it up again. */
        static final int RETIRED = 3;

        Bucket(int rate, long now) {
            this.rate = rate;
            this.tokens = rate;
            this.refilledAt = now;
        }

        /** TAKEN, REFUSED_OPENS_RUN, REFUSED or RETIRED. */
        synchronized int take(int count, int max, long now) {
            if (retired) {
                return RETIRED;
            }
            refill(max, now);
            if (tokens >= Math.min(count, rate)) {
                tokens -= count;
                return TAKEN;
            }
            boolean opens = now - lastRefused > RUN_GAP_MILLIS;
            lastRefused = now;
            return opens ? REFUSED_OPENS_RUN : REFUSED;
        }

        synchronized void refund(int count, int max) { tokens = Math.min(max, tokens + count); }

        /** Retires the bucket when it is as good as new (full, no recent refusal): then the sweep drops it. */
        synchronized boolean retireIfFull(long now) {
            refill(rate, now);
            retired = tokens >= rate && now - lastRefused > RUN_GAP_MILLIS;
            return retired;
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
