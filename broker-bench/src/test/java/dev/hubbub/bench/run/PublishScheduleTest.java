package dev.hubbub.bench.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class PublishScheduleTest {
    private static final long MS = 1_000_000L;

    @Test
    void sendsWhatIsDueSinceTheLastTick() {
        PublishSchedule p = new PublishSchedule(1000, 2000, 0);
        LongAdder skipped = new LongAdder();
        assertEquals(0, p.take(0, true, skipped));
        assertEquals(2, p.take(2 * MS, true, skipped));
        assertEquals(0, p.take(2 * MS, true, skipped));
        assertEquals(3, p.take(5 * MS, true, skipped));
        assertEquals(0, skipped.sum());
    }

    @Test
    void catchesUpAtMostFiftyMillisecondsAndSkipsTheRest() {
        PublishSchedule p = new PublishSchedule(1000, 2000, 0);
        LongAdder skipped = new LongAdder();
        assertEquals(50, p.take(200 * MS, true, skipped));
        assertEquals(150, skipped.sum());
        assertEquals(2, p.take(202 * MS, true, skipped), "skipped messages are not owed later");
    }

    @Test
    void aBurstCoversTwoTicksWhenTheyAreLonger() {
        PublishSchedule p = new PublishSchedule(100, 100_000, 0);
        LongAdder skipped = new LongAdder();
        assertEquals(20, p.take(1000 * MS, true, skipped));
        assertEquals(80, skipped.sum());
        assertEquals(1, new PublishSchedule(1, 2000, 0).take(10_000 * MS, true, new LongAdder()), "at least one");
    }

    @Test
    void anUnwritableSocketSkipsEverythingDueIntoTheCounterGiven() {
        PublishSchedule p = new PublishSchedule(1000, 2000, 0);
        LongAdder skipped = new LongAdder();
        LongAdder warmup = new LongAdder();
        assertEquals(0, p.take(10 * MS, false, skipped));
        assertEquals(10, skipped.sum());
        assertEquals(0, p.take(20 * MS, false, warmup));
        assertEquals(10, skipped.sum());
        assertEquals(10, warmup.sum());
        assertEquals(1, p.take(21 * MS, true, skipped));
    }

    @Test
    void thePhaseShiftsTheSchedule() {
        PublishSchedule p = new PublishSchedule(10, 2000, Pacer.phaseNanos(1, 2, 10));
        LongAdder skipped = new LongAdder();
        assertEquals(0, p.take(40 * MS, true, skipped));
        assertEquals(1, p.take(50 * MS, true, skipped));
        assertEquals(1, p.take(150 * MS, true, skipped));
    }
}
