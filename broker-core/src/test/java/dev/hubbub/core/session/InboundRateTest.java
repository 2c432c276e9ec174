package dev.hubbub.core.session;

import static dev.hubbub.core.session.InboundRate.Verdict.ADMIT;
import static dev.hubbub.core.session.InboundRate.Verdict.DISCONNECT;
import static dev.hubbub.core.session.InboundRate.Verdict.REFUSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.testkit.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The token bucket of one connection's inbound messages, on a hand-driven clock. */
class InboundRateTest {
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private void advance(long millis) { clock.advance(Duration.ofMillis(millis)); }

    @Test
    void aSecondsWorthAtOnceThenTheRate() {
        InboundRate r = new InboundRate(clock, 10, 5_000);
        for (int i = 0; i < 10; i++) {
            assertEquals(ADMIT, r.take(1), "message " + i + " of the first second's burst");
        }
        assertEquals(REFUSE, r.take(1));
        advance(100); // one message's worth
        assertEquals(ADMIT, r.take(1));
        assertEquals(REFUSE, r.take(1));
        advance(1_000);
        assertEquals(ADMIT, r.take(10));
        assertEquals(REFUSE, r.take(1));
    }

    @Test
    void messagesCountNotFrames() {
        InboundRate r = new InboundRate(clock, 10, 5_000);
        assertEquals(ADMIT, r.take(6));
        assertEquals(REFUSE, r.take(6), "6 more messages are more than the 4 left");
        assertEquals(ADMIT, r.take(4));
    }

    @Test
    void aBatchLargerThanTheBucketPassesWhenItIsFullAndLeavesItInDebt() {
        InboundRate r = new InboundRate(clock, 10, 5_000);
        assertEquals(ADMIT, r.take(30));
        advance(1_000); // back to -10
        assertEquals(REFUSE, r.take(1));
        advance(2_000); // full again
        assertEquals(ADMIT, r.take(1));
    }

    @Test
    void refusalsWithoutAFreeSecondForTheWholeWindowDisconnect() {
        InboundRate r = new InboundRate(clock, 10, 5_000);
        r.take(10);
        // one message every 20 ms, five times the rate: one in five passes, the others are refused
        int refused = 0;
        for (int t = 0; t < 5_000; t += 20) {
            InboundRate.Verdict v = r.take(1);
            assertNotEquals(DISCONNECT, v, "at " + t + " ms");
            refused += v == REFUSE ? 1 : 0;
            advance(20);
        }
        assertTrue(refused > 150, "refused " + refused);
        InboundRate.Verdict v = r.take(1);
        while (v == ADMIT) { // past the window: the next refusal disconnects
            advance(20);
            v = r.take(1);
        }
        assertEquals(DISCONNECT, v);
    }

    @Test
    void aClientThatBacksOffStartsAfresh() {
        InboundRate r = new InboundRate(clock, 10, 5_000);
        r.take(10);
        for (int t = 0; t < 4_500; t += 20) {
            assertNotEquals(DISCONNECT, r.take(1));
            advance(20);
        }
        advance(1_500); // more than a second without a refusal: the run is over
        assertEquals(ADMIT, r.take(10));
        for (int t = 0; t < 4_500; t += 20) {
            assertNotEquals(DISCONNECT, r.take(1), "a new run, shorter than the window");
            advance(20);
        }
    }

    @Test
    void zeroNeverDisconnects() {
        InboundRate r = new InboundRate(clock, 10, 0);
        r.take(10);
        for (int t = 0; t < 60_000; t += 20) {
            assertNotEquals(DISCONNECT, r.take(1));
            advance(20);
        }
    }

    @Test
    void aClockThatStepsBackRefillsNothing() {
        InboundRate r = new InboundRate(clock, 10, 5_000);
        r.take(10);
        advance(-60_000);
        assertEquals(REFUSE, r.take(1));
        advance(100);
        assertEquals(ADMIT, r.take(1), "refills again from where the clock went");
    }
}
