package dev.hubbub.bench.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Window.slot: the branch-free index the per-message paths count with agrees with contains, on any nanoTime values. */
class WindowTest {
    @Test
    void slotIsBeforeInsideOrAfterExactlyAsContainsSays() {
        long[] origins = {0, 1_000_000_000L, -5_000_000_000L, Long.MAX_VALUE - 3_000_000_000L};
        for (long t0 : origins) {
            Window w = new Window(t0, t0 + 1_000, t0 + 2_000);
            long[][] cases = {{t0, 0}, {t0 + 999, 0}, {t0 + 1_000, 1}, {t0 + 1_999, 1}, {t0 + 2_000, 2}, {t0 + 50_000, 2},
                    {t0 - 10, 0}};
            for (long[] c : cases) {
                assertEquals(c[1], w.slot(c[0]), "origin " + t0 + ", at " + (c[0] - t0));
                assertEquals(c[1] == 1, w.contains(c[0]), "origin " + t0 + ", at " + (c[0] - t0));
            }
        }
    }

    @Test
    void branchFreeMinAndMaxAgreeWithMath() {
        long[] v = {-5, -2, -1, 0, 1, 7, 1L << 40, Long.MAX_VALUE / 4, -(1L << 40)};
        for (long a : v) {
            for (long b : v) {
                assertEquals(Math.min(a, b), dev.hubbub.bench.report.Ratios.min(a, b), a + " " + b);
                assertEquals(Math.max(a, b), dev.hubbub.bench.report.Ratios.max(a, b), a + " " + b);
            }
        }
    }
}
