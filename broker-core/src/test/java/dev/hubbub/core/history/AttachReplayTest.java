package dev.hubbub.core.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What follows an ATTACHED: resume after a channelSerial (continuity.md §2) or a rewind (§5). */
class AttachReplayTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final ChannelKey CH = new ChannelKey("app1", "ch");

    private final ManualClock clock = new ManualClock(T0);
    private final InMemoryMessageLog log = new InMemoryMessageLog(clock, Retention.defaults(), k -> true);
    private int ids;

    private List<Message> publish(int n) {
        List<Message> in = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "id-" + ids++;
            in.add(Message.of("m", "d").stamped(id, "conn-1", clock.millis(), null));
        }
        return log.append(CH, in);
    }

    private static Outcome<AttachReplay.Rewind> rewind(String value) {
        Map<String, String> params = new HashMap<>();
        params.put("rewind", value);
        return AttachReplay.rewind(params);
    }

    private static AttachReplay.Rewind ok(String value) {
        Outcome<AttachReplay.Rewind> r = rewind(value);
        assertNotNull(r, value);
        assertTrue(r.isOk(), value + ": " + r);
        return r.value();
    }

    // ---- the rewind param (§5, RTL4k) -----------------------------------------------------------------------

    // Rule (§5): rewind is a count ("10") or a time in seconds or minutes ("30s", "2m"); surrounding blanks are ignored.
    @Test
    void rewindParsesCountsAndTimes() {
        AttachReplay.Rewind ten = ok("10");
        assertEquals(10, ten.count());
        assertEquals(0, ten.windowMillis());
        assertFalse(ten.truncated());
        assertEquals("10", ten.wire());

        assertEquals(0, ok("0").count());
        assertEquals(0, ok("0").windowMillis());

        AttachReplay.Rewind thirty = ok("30s");
        assertEquals(30_000, thirty.windowMillis());
        assertEquals(AttachReplay.MAX_REWIND, thirty.count());
        assertEquals(120_000, ok("2m").windowMillis());

        AttachReplay.Rewind five = ok(" 5 ");
        assertEquals(5, five.count());
        assertEquals("5", five.wire(), "echoed without the blanks");
    }

    // Rule (§5: "an unparseable value fails the attach with an error"): 40003 for anything else.
    @Test
    void rewindRejectsWhatIsNotACountOrATime() {
        for (String bad : List.of("abc", "-1", "10h", "", "1e3", "   ", "5 s", "0x10", "1.5", "10S")) {
            Outcome<AttachReplay.Rewind> r = rewind(bad);
            assertNotNull(r, "'" + bad + "' must not be taken for an absent rewind");
            assertFalse(r.isOk(), "'" + bad + "' must be rejected");
            assertEquals(ErrorCode.INVALID_PARAMETER.code(), r.error().code(), bad);
            assertEquals(40003, r.error().code());
            assertEquals(400, r.error().statusCode());
        }
    }

    // Rule: no rewind param, no rewind (and no error).
    @Test
    void noRewindParamIsNoRewind() {
        assertNull(AttachReplay.rewind(null));
        assertNull(AttachReplay.rewind(Map.of()));
        assertNull(AttachReplay.rewind(Map.of("delta", "vcdiff")));
    }

    // Rule (§5 "at most 100 (truncation = non-fatal error in ATTACHED)"): a count over 100 is capped with a notice,
    // and the newest 100 are replayed.
    @Test
    void countsOver100AreCappedWithANotice() {
        AttachReplay.Rewind r = ok("150");
        assertEquals(AttachReplay.MAX_REWIND, r.count());
        assertTrue(r.truncated());
        assertFalse(ok("100").truncated());

        List<Message> all = publish(150);
        AttachReplay.Plan plan = AttachReplay.plan(log, CH, null, r, clock);
        assertEquals(all.subList(50, 150), plan.replay());
        assertNotNull(plan.notice(), "truncation is told");
        assertFalse(plan.resumed());

        AttachReplay.Plan exact = AttachReplay.plan(log, CH, null, ok("100"), clock);
        assertEquals(100, exact.replay().size());
        assertNull(exact.notice(), "no truncation, no notice");
    }

    // ---- plan() --------------------------------------------------------------------------------------------

    // Rule (§2): an ATTACH with a channelSerial the log can vouch for gets RESUMED and every message after it, once.
    @Test
    void aChannelSerialResumesWithTheMessagesAfterIt() {
        List<Message> seen = publish(3);
        String clientSerial = seen.get(2).serial();
        List<Message> missed = publish(4);

        AttachReplay.Plan plan = AttachReplay.plan(log, CH, clientSerial, null, clock);
        assertTrue(plan.resumed());
        assertEquals(missed, plan.replay());
        assertNull(plan.notice());

        AttachReplay.Plan upToDate = AttachReplay.plan(log, CH, log.currentSerial(CH), null, clock);
        assertTrue(upToDate.resumed(), "nothing missed is still continuity");
        assertTrue(upToDate.replay().isEmpty());
    }

    // Rule (§2, §5): a channelSerial the log lost gives no RESUMED, a 90003 notice and nothing replayed; a
    // channelSerial wins over rewind (only the first attach rewinds), lost or not.
    @Test
    void aLostChannelSerialIsNotResumedAndWinsOverRewind() {
        publish(5);
        String foreign = new ChannelSerial("zzzzzzzzzz", 2).wire();

        AttachReplay.Plan lost = AttachReplay.plan(log, CH, foreign, ok("3"), clock);
        assertFalse(lost.resumed());
        assertTrue(lost.replay().isEmpty(), "nothing replayed, not even the rewind");
        ErrorInfo notice = lost.notice();
        assertNotNull(notice);
        assertEquals(90003, notice.code());
        assertEquals(404, notice.statusCode());

        AttachReplay.Plan malformed = AttachReplay.plan(log, CH, "garbage", null, clock);
        assertFalse(malformed.resumed());
        assertEquals(90003, malformed.notice().code());

        String mine = log.currentSerial(CH);
        List<Message> missed = publish(1);
        AttachReplay.Plan resumed = AttachReplay.plan(log, CH, mine, ok("3"), clock);
        assertTrue(resumed.resumed());
        assertEquals(missed, resumed.replay(), "the messages after the serial, not the last 3");
    }

    // Rule (§5): rewind "N" gives the N most recent messages, oldest first, without RESUMED; fewer is no error.
    @Test
    void rewindByCount() {
        List<Message> all = publish(20);
        AttachReplay.Plan plan = AttachReplay.plan(log, CH, null, ok("5"), clock);
        assertEquals(all.subList(15, 20), plan.replay());
        assertFalse(plan.resumed());
        assertNull(plan.notice());
        assertEquals(Map.of("rewind", "5"), plan.params(), "ATTACHED echoes the recognised param");

        assertEquals(all, AttachReplay.plan(log, CH, null, ok("50"), clock).replay(), "fewer than asked: all of them");
        assertTrue(AttachReplay.plan(log, CH, null, ok("0"), clock).replay().isEmpty());
    }

    // Rule (§5): rewind "Ns"/"Nm" gives the messages of the last N seconds/minutes, measured on the broker's clock.
    @Test
    void rewindByTime() {
        List<Message> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.addAll(publish(1));
            clock.advance(Duration.ofSeconds(10));
        } // all[i] at T0 + 10 i s; now T0 + 120 s
        assertEquals(all.subList(9, 12), AttachReplay.plan(log, CH, null, ok("30s"), clock).replay(), "T0+90s..T0+110s");
        assertEquals(all.subList(6, 12), AttachReplay.plan(log, CH, null, ok("1m"), clock).replay());
        assertEquals(all, AttachReplay.plan(log, CH, null, ok("2m"), clock).replay());

        clock.advance(Duration.ofSeconds(15)); // now T0 + 135 s
        assertEquals(all.subList(11, 12), AttachReplay.plan(log, CH, null, ok("30s"), clock).replay(), "the window moves with the clock");
        assertTrue(AttachReplay.plan(log, CH, null, ok("10s"), clock).replay().isEmpty(), "none is not an error");
        assertEquals(Map.of("rewind", "10s"), AttachReplay.plan(log, CH, null, ok("10s"), clock).params());
    }

    // Rule (§5): a time rewind is capped at 100 messages too.
    @Test
    void aTimeRewindIsCappedAt100() {
        List<Message> all = publish(150);
        assertEquals(all.subList(50, 150), AttachReplay.plan(log, CH, null, ok("1m"), clock).replay());
    }

    // Rule (§5 "at most 100 (truncation = non-fatal error in ATTACHED)"): a time rewind that had to drop messages
    // to stay within 100 is told like a count over 100.
    @Test
    void aTimeRewindTruncatedAt100IsToldWithANotice() {
        publish(150);
        AttachReplay.Plan plan = AttachReplay.plan(log, CH, null, ok("1m"), clock);
        assertEquals(100, plan.replay().size(), "control: capped");
        assertNotNull(plan.notice(), "150 messages in the window, 100 replayed: the truncation must be told");
    }

    // Rule: no channelSerial and no rewind: nothing follows the ATTACHED, nothing to echo.
    @Test
    void noSerialNoRewindIsNothing() {
        publish(5);
        AttachReplay.Plan plan = AttachReplay.plan(log, CH, null, null, clock);
        assertFalse(plan.resumed());
        assertTrue(plan.replay().isEmpty());
        assertNull(plan.notice());
        assertNull(plan.params());
    }
}
