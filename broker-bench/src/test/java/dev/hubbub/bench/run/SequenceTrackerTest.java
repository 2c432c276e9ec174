package dev.hubbub.bench.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.bench.run.SequenceTracker.Kind;
import org.junit.jupiter.api.Test;

class SequenceTrackerTest {
    @Test
    void inOrderDeliveryMissesNothing() {
        SequenceTracker t = new SequenceTracker();
        for (long i = 0; i < 100; i++) {
            assertEquals(Kind.IN_ORDER, t.record(i));
        }
        assertEquals(0, t.missing(99));
        assertEquals(-1, t.firstMissing(99));
        assertEquals(1, t.missing(100), "the publisher's last message has not arrived yet");
        assertEquals(100, t.firstMissing(100));
        assertEquals(99, t.highest());
        assertEquals(0, t.duplicates() + t.outOfOrder());
    }

    @Test
    void aGapIsLossUntilItArrivesAndThenOutOfOrder() {
        SequenceTracker t = new SequenceTracker();
        for (long i : new long[] {0, 1, 2, 5, 6}) {
            assertEquals(Kind.IN_ORDER, t.record(i));
        }
        assertEquals(2, t.missing(6));
        assertEquals(3, t.firstMissing(6));
        assertEquals(Kind.OUT_OF_ORDER, t.record(4));
        assertEquals(1, t.missing(6));
        assertEquals(3, t.firstMissing(6));
        assertEquals(Kind.OUT_OF_ORDER, t.record(3));
        assertEquals(0, t.missing(6));
        assertEquals(2, t.outOfOrder());
        assertEquals(6, t.highest());
        assertEquals(0, t.duplicates());
    }

    @Test
    void aRepeatedMessageIsADuplicateNotOutOfOrder() {
        SequenceTracker t = new SequenceTracker();
        t.record(0);
        t.record(1);
        t.record(2);
        // a replay that starts one too early: 2 again, then 3
        assertEquals(Kind.DUPLICATE, t.record(2));
        assertEquals(Kind.IN_ORDER, t.record(3));
        assertEquals(Kind.DUPLICATE, t.record(0));
        assertEquals(2, t.duplicates());
        assertEquals(0, t.outOfOrder());
        assertEquals(6, t.deliveries());
        assertEquals(0, t.missing(3));
        assertTrue(t.has(2));
        assertFalse(t.has(4));
        assertFalse(t.has(-1));
    }

    @Test
    void aResumeThatSkipsTheMessagesPublishedWhileAwayLosesExactlyThose() {
        SequenceTracker t = new SequenceTracker();
        for (long i = 0; i <= 40; i++) {
            t.record(i);   // before the drop
        }
        for (long i = 58; i <= 100; i++) {
            t.record(i);   // after the re-attach: 41..57 never replayed
        }
        assertEquals(17, t.missing(100));
        assertEquals(41, t.firstMissing(100));
        assertEquals(0, t.outOfOrder());
    }

    @Test
    void longInOrderRunsAreCompactedAndStillAccountedExactly() {
        SequenceTracker t = new SequenceTracker();
        for (long i = 0; i < 50_000; i++) {
            if (i != 20_000) {
                t.record(i);
            }
        }
        assertEquals(1, t.missing(49_999));
        assertEquals(20_000, t.firstMissing(49_999));
        assertTrue(t.has(19_999));
        assertTrue(t.has(3));
        assertEquals(Kind.OUT_OF_ORDER, t.record(20_000));
        assertEquals(0, t.missing(49_999));
        for (long i = 50_000; i < 60_000; i++) {
            t.record(i);
        }
        assertEquals(Kind.DUPLICATE, t.record(10), "numbers compacted away still count as received");
        assertEquals(0, t.missing(59_999));
        assertEquals(0, t.missing(-1));
        assertThrows(IllegalArgumentException.class, () -> t.record(-1));
    }
}
