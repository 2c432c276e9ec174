package dev.hubbub.core.auth;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nonces of one node, in memory: enough for a single node, where every replay reaches the
 * node that saw the first use.
 *
 * <p>Compact, because an auth server signing thousands of TokenRequests a second with one key
 * keeps hundreds of thousands of nonces live (two timestamp windows' worth): a nonce is kept as a
 * 64-bit fingerprint (a seeded hash of its text) in an open-addressing set of longs, 16-32
 * bytes each (a set is a quarter to half full) where a cache entry with a string key took well
 * over 100. The sets are generations
 * by expiry, {@code rememberMillis / 16} wide: a generation is dropped whole once its last entry's
 * time is over, so a nonce is remembered at least its time and at most a sixteenth longer. Two
 * different nonces of one key share a fingerprint with odds of about n in 2^64 (n the nonces
 * held): the later one would be refused as a replay, never the reverse.
 *
 * <p>One bounded set of generations per key, so no app can push another app's nonces out (only a
 * holder of a key's secret can fill that key's store). It fails closed: a full store forgets
 * nothing early (a forgotten nonce could be replayed); it refuses new TokenRequests for that key
 * (42910) until a generation expires. Thread-safe: one lock per key.
 */
public final class LocalNonceStore implements NonceStore {
    /** Generations per remember time: the most a nonce outlives its time is 1/16 of it. */
    private static final int GENERATIONS = 16;

    private final Map<String, KeyNonces> byKey = new ConcurrentHashMap<>();
    private final Clock clock;
    private final long maxPerKey;
    /** Makes fingerprints differ between processes: nobody outside can aim two nonces at one fingerprint. */
    private final long seed = new SecureRandom().nextLong();

    /** @param maxPerKey most nonces remembered at once per key */
    public LocalNonceStore(Clock clock, long maxPerKey) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxPerKey < 1) {
            throw new IllegalArgumentException("maxPerKey must be at least 1");
        }
        this.maxPerKey = maxPerKey;
    }

    @Override
    public Outcome<Boolean> firstUse(String keyName, String nonce, long rememberMillis) {
        long now = clock.millis();
        long remember = Math.max(1, rememberMillis);
        long width = Math.max(1, remember / GENERATIONS);
        // the generation's end: the first multiple of its width at or after this nonce's own expiry
        long until = Math.floorDiv(now + remember + width - 1, width) * width;
        return byKey.computeIfAbsent(keyName, k -> new KeyNonces()).firstUse(fingerprint(nonce), now, until, maxPerKey);
    }

    /** Nonces held for {@code keyName} now, expired generations not yet dropped included (tests). */
    long size(String keyName) {
        KeyNonces k = byKey.get(keyName);
        return k == null ? 0 : k.size();
    }

    /** A 64-bit hash of the nonce's characters, seeded per process; never 0 (the sets' empty slot). */
    long fingerprint(String nonce) {
        long h = seed ^ (nonce.length() * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < nonce.length(); i++) {
            h = Long.rotateLeft(h ^ nonce.charAt(i), 23) * 0xC2B2AE3D27D4EB4FL;
        }
        h = mix(h);
        return h == 0 ? 1 : h;
    }

    /** MurmurHash3's 64-bit finalizer: every input bit reaches every output bit. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    /** One key's fingerprints, in generations ordered by the time they end. */
    private static final class KeyNonces {
        private final ArrayDeque<Generation> generations = new ArrayDeque<>();
        private long size;

        synchronized Outcome<Boolean> firstUse(long fingerprint, long now, long until, long max) {
            while (!generations.isEmpty() && generations.peekFirst().until <= now) {
                size -= generations.pollFirst().set.size();
            }
            for (Generation g : generations) {
                if (g.set.contains(fingerprint)) {
                    return Outcome.ok(false);
                }
            }
            if (size >= max) {
                return Outcome.fail(ErrorCode.RATE_LIMITED.info("Too many TokenRequests signed with this key within the"
                        + " replay window; retry later"));
            }
            generationEnding(until).set.add(fingerprint);
            size++;
            return Outcome.ok(true);
        }

        /** The generation ending at {@code until}, made where it belongs in the order if there is none. */
        private Generation generationEnding(long until) {
            Generation last = generations.peekLast();
            if (last == null || last.until < until) {
                Generation g = new Generation(until);
                generations.addLast(g);
                return g;
            }
            if (last.until == until) {
                return last;
            }
            // an earlier end (a shorter remember time than the last caller's): rare, so rebuild the order
            ArrayDeque<Generation> sorted = new ArrayDeque<>(generations.size() + 1);
            Generation made = null;
            for (Iterator<Generation> it = generations.iterator(); it.hasNext(); ) {
                Generation g = it.next();
                if (made == null && g.until >= until) {
                    made = g.until == until ? g : new Generation(until);
                    if (made != g) {
                        sorted.addLast(made);
                    }
                }
                sorted.addLast(g);
            }
            generations.clear();
            generations.addAll(sorted);
            return made;
        }

        synchronized long size() {
            return size;
        }
    }

    private static final class Generation {
        final long until;
        final LongSet set = new LongSet();

        Generation(long until) {
            this.until = until;
        }
    }

    /** An open-addressing set of non-zero longs (0 marks an empty slot), at most half full. */
    static final class LongSet {
        private long[] slots = new long[64];
        private int size;

        boolean contains(long v) {
            int mask = slots.length - 1;
            for (int i = (int) v & mask; ; i = (i + 1) & mask) {
                long s = slots[i];
                if (s == v) {
                    return true;
                }
                if (s == 0) {
                    return false;
                }
            }
        }

        /** Adds {@code v} (non-zero); false when it was there. */
        boolean add(long v) {
            if (2 * (size + 1) > slots.length) {
                grow();
            }
            int mask = slots.length - 1;
            for (int i = (int) v & mask; ; i = (i + 1) & mask) {
                long s = slots[i];
                if (s == v) {
                    return false;
                }
                if (s == 0) {
                    slots[i] = v;
                    size++;
                    return true;
                }
            }
        }

        int size() {
            return size;
        }

        private void grow() {
            long[] old = slots;
            slots = new long[old.length * 2];
            size = 0;
            for (long v : old) {
                if (v != 0) {
                    add(v);
                }
            }
        }
    }
}
