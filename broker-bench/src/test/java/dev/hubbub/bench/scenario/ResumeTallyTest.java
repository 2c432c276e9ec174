package dev.hubbub.bench.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.Window;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResumeTallyTest {
    private static final long MS = 1_000_000L;

    @Test
    void timesOnlyMessagesStampedInTheWindowInTheTotalAndTheirPart() {
        ResumeTally t = new ResumeTally();
        t.time(5 * MS, 6 * MS, ResumeTally.Part.BEFORE_DROP); // no window yet
        t.window(new Window(0, 10 * MS, 100 * MS));
        t.time(5 * MS, 12 * MS, ResumeTally.Part.BEFORE_DROP); // stamped in the warm-up
        t.time(20 * MS, 22 * MS, ResumeTally.Part.BEFORE_DROP);
        t.time(30 * MS, 40 * MS, ResumeTally.Part.REPLAYED);
        t.time(50 * MS, 51 * MS, ResumeTally.Part.LIVE_AFTER_REATTACH);
        t.time(60 * MS, 61 * MS, ResumeTally.Part.LIVE_AFTER_REATTACH);
        t.time(100 * MS, 101 * MS, ResumeTally.Part.LIVE_AFTER_REATTACH); // stamped after the window
        t.time(150 * MS, 160 * MS, ResumeTally.Part.REPLAYED);
        Report r = new Report("resume");
        t.putDelivery(r, 0.5);
        Map<String, Object> lat = r.section("latency");
        assertEquals(4L, count(lat.get("all")));
        assertEquals(1L, count(lat.get("beforeDrop")));
        assertEquals(1L, count(lat.get("replayed")));
        assertEquals(2L, count(lat.get("liveAfterReattach")));
        assertEquals(0.5, r.section("delivery").get("drainSeconds"));
    }

    @Test
    void resumeFiguresCountFromTheDrop() {
        ResumeTally t = new ResumeTally();
        long drop = 1_000 * MS;
        t.reattached(true, drop + 300 * MS, drop, drop + 100 * MS);
        t.reattached(false, drop + 500 * MS, drop, drop + 100 * MS);
        t.sameId.increment();
        t.newId.increment();
        Report r = new Report("resume");
        t.putResume(r, 3, new ConnectionOpener(null, null, null), drop);
        Map<String, Object> res = r.section("resume");
        assertEquals(3, res.get("dropped"));
        assertEquals(2L, res.get("reattached"));
        assertEquals(1L, res.get("channelResumed"));
        assertEquals(1L, res.get("channelNotResumed"));
        assertEquals(false, res.get("allBack"));
        assertEquals(0.5, res.get("untilLastReattachedSeconds"));
        assertEquals(4.0, res.get("resumesPerSecond"));
        assertEquals(2L, count(r.section("resumeTime").get("dropToReattached")));
        assertEquals(2, t.reattached());
        assertEquals(1, t.channelResumed());
    }

    @Test
    void continuityFailsWhenNoSubscriberCameBack() {
        ResumeTally t = new ResumeTally();
        Report r = new Report("resume");
        t.putContinuity(r, List.of(), -1, new SequencedPublisher("c", null, 1, 2000, t));
        assertEquals("FAILED: no subscriber re-attached", r.section("continuity").get("verdict"));
        assertFalse(ResumeScenario.continuityKept(r));
        assertTrue(ResumeScenario.continuityKept(new Report("resume")), "no continuity section: nothing to fail");
    }

    private static Object count(Object latency) {
        return ((Map<?, ?>) latency).get("count");
    }
}
