package dev.hubbub.bench.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** SlotSerials: the window's serial range is what was sent in slot 1, whatever came before or after it. */
class SlotSerialsTest {
    @Test
    void anEmptyWindowIsAnEmptyRange() {
        SlotSerials s = new SlotSerials();
        s.sent(0, 0);
        s.sent(0, 1);
        assertEquals(-1, s.firstInWindow());
        assertEquals(-2, s.lastInWindow());
        assertEquals(0, s.inWindow());
    }

    @Test
    void theWindowsRangeLeavesOutTheWarmUpAndTheDrain() {
        SlotSerials s = new SlotSerials();
        for (long serial = 0; serial < 5; serial++) {
            s.sent(0, serial);
        }
        for (long serial = 5; serial < 12; serial++) {
            s.sent(1, serial);
        }
        s.sent(2, 12);
        assertEquals(5, s.firstInWindow());
        assertEquals(11, s.lastInWindow());
        assertEquals(7, s.inWindow());
    }
}
