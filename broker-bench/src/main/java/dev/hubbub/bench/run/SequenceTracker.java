package dev.hubbub.bench.run;

import java.util.BitSet;

/**
 * One subscriber's account of a publisher's sequence numbers (0, 1, 2, ...): which arrived, which
 * arrived twice, which arrived after a higher one. What never arrived is asked for at the end
 * ({@link #missing}), once it is known how far the publisher got.
 *
 * <ul>
 *   <li>duplicate: a sequence number already received;</li>
 *   <li>out of order: a first delivery of a number lower than the highest received so far;</li>
 *   <li>missing: a number up to the publisher's last that never arrived.</li>
 * </ul>
 *
 * <p>Memory stays small while deliveries arrive in order: the numbers below {@code base} (all
 * received) are kept as that one number, and only what lies above it as bits. Not thread-safe.
 */
public final class SequenceTracker {
    /** What one delivery was. */
    public enum Kind { IN_ORDER, OUT_OF_ORDER, DUPLICATE }

    /** Bits already settled (all received) before the set is shifted down. */
    private static final int COMPACT_BITS = 4096;

    private long base;
    private BitSet above = new BitSet();
    private long highest = -1;
    private long deliveries;
    private long duplicates;
    private long outOfOrder;

    /** Records one delivery of {@code sequence} (not negative). */
    public Kind record(long sequence) {
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence must not be negative");
        }
        deliveries++;
        if (has(sequence)) {
            duplicates++;
            return Kind.DUPLICATE;
        }
        long offset = sequence - base;
        if (offset >= Integer.MAX_VALUE) {
            throw new IllegalStateException("a gap of more than 2^31 sequence numbers");
        }
        above.set((int) offset);
        boolean late = sequence < highest;
        if (late) {
            outOfOrder++;
        } else {
            highest = sequence;
        }
        int settled = above.nextClearBit(0);
        if (settled >= COMPACT_BITS) {
            above = above.get(settled, Math.max(settled, above.length()));
            base += settled;
        }
        return late ? Kind.OUT_OF_ORDER : Kind.IN_ORDER;
    }

    /** Whether {@code sequence} was received. */
    public boolean has(long sequence) {
        if (sequence < base) {
            return sequence >= 0;
        }
        long offset = sequence - base;
        return offset < Integer.MAX_VALUE && above.get((int) offset);
    }

    /** How many of 0..{@code last} (inclusive) never arrived. */
    public long missing(long last) {
        if (last < 0) {
            return 0;
        }
        long expected = last + 1;
        long got = Math.min(base, expected);
        if (last >= base) {
            long span = last - base + 1;
            got += span >= Integer.MAX_VALUE ? above.cardinality() : above.get(0, (int) span).cardinality();
        }
        return expected - got;
    }

    /** The lowest of 0..{@code last} that never arrived, or -1 when none is missing. */
    public long firstMissing(long last) {
        long first = base + above.nextClearBit(0);
        return first <= last ? first : -1;
    }

    /** The highest sequence number received, or -1. */
    public long highest() { return highest; }
    /** Every delivery recorded, duplicates included. */
    public long deliveries() { return deliveries; }
    public long duplicates() { return duplicates; }
    public long outOfOrder() { return outOfOrder; }
}
