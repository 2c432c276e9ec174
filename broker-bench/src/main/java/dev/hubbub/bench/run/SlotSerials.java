package dev.hubbub.bench.run;

import dev.hubbub.bench.report.Ratios;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The first and last serial one connection sent in each {@link Window#slot} (before, in, after the
 * window), kept without a branch that would turn at the window's start (see {@link Window#slot}).
 * Written by the connection's loop; read by any thread.
 */
public final class SlotSerials {
    /** No serial sent yet in a slot: above any real one, and far from overflowing in Ratios.min. */
    private static final long NONE = Long.MAX_VALUE / 4;

    private final AtomicLongArray first = new AtomicLongArray(new long[] {NONE, NONE, NONE});
    private final AtomicLongArray last = new AtomicLongArray(new long[] {-2, -2, -2});

    /** {@code serial} was sent in {@code slot}; serials only grow. */
    public void sent(int slot, long serial) {
        first.lazySet(slot, Ratios.min(first.get(slot), serial));
        last.lazySet(slot, serial);
    }

    /** The window's first serial: -1 (with {@link #lastInWindow} -2, an empty range) until one is sent in it. */
    public long firstInWindow() {
        return Ratios.min(first.get(1), last.get(1) + 1);
    }

    /** The window's last serial, -2 until one is sent in it. */
    public long lastInWindow() {
        return last.get(1);
    }

    /** How many serials were sent in the window. */
    public long inWindow() {
        return Math.max(0, lastInWindow() - firstInWindow() + 1);
    }
}
