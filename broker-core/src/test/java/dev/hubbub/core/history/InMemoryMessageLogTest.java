package dev.hubbub.core.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The in-memory channel log: serials, replay after a serial, retention, de-duplication, rewind and
 * history (continuity.md §1, §2, §4, §5, §6). Time is a {@link ManualClock}; nothing sleeps.
 */
class InMemoryMessageLogTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long MAX_AGE = 120_000;
    private static final ChannelKey CH = new ChannelKey("app1", "ch");
    private static final ChannelKey OTHER = new ChannelKey("app1", "other");
    private static final ChannelKey OTHER_APP = new ChannelKey("app2", "ch");

    private final ManualClock clock = new ManualClock(T0);
    private final Set<ChannelKey> pinned = new HashSet<>();
    private int ids;

    private InMemoryMessageLog newLog(Retention retention) {
        return new InMemoryMessageLog(clock, retention, pinned::contains);
    }

    private InMemoryMessageLog newLog() { return newLog(Retention.defaults()); }

    /** A message as the publish path stamps it, at the clock's time; every message has the same size. */
    private Message msg() {
        String id = String.format("id-%05d", ids++);
        return Message.of("m", "data-" + id).stamped(id, "conn-1", clock.millis(), null);
    }

    private List<Message> append(InMemoryMessageLog log, ChannelKey key, int n) {
        List<Message> in = IntStream.range(0, n).mapToObj(i -> msg()).toList();
        return log.append(key, in);
    }

    private static long offset(String serial) { return ChannelSerial.parse(serial).offset(); }

    private static String epoch(String serial) { return ChannelSerial.parse(serial).epoch(); }

    private static List<String> idsOf(List<Message> messages) { return messages.stream().map(Message::id).toList(); }

    /** What one of our messages costs against the byte bounds, measured on a log of its own. */
    private long bytesPerMessage() {
        InMemoryMessageLog scratch = new InMemoryMessageLog(clock, Retention.defaults(), k -> true);
        scratch.append(CH, List.of(Message.of("m", "data-id-99999").stamped("id-99999", "conn-1", clock.millis(), null)));
        return scratch.retainedBytes();
    }

    private static HistoryQuery query(boolean backwards, int limit) {
        return new HistoryQuery(null, null, backwards, limit, null, null);
    }

    private static List<Message> allHistory(InMemoryMessageLog log, ChannelKey key, HistoryQuery q) {
        List<Message> out = new ArrayList<>();
        int pages = 0;
        for (HistoryQuery next = q; next != null; ) {
            assertTrue(++pages <= 300, "paging must end");
            HistoryPage page = log.history(key, next);
            out.addAll(page.items());
            next = page.next();
        }
        return out;
    }

    // ---- serials -------------------------------------------------------------------------------------------

    // Rule (MessageLog.append): each message gets the next position of the channel, consecutively, across
    // appends, and append returns the messages as stored, each with its serial.
    @Test
    void appendGivesConsecutiveSerialsAndReturnsTheMessagesWithThem() {
        InMemoryMessageLog log = newLog();
        List<Message> in = List.of(msg(), msg(), msg());
        List<Message> first = log.append(CH, in);
        List<Message> second = append(log, CH, 2);

        assertEquals(3, first.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(in.get(i).withSerial(first.get(i).serial()), first.get(i), "stored as given, plus its serial");
        }
        List<Message> all = new ArrayList<>(first);
        all.addAll(second);
        String epoch = epoch(all.get(0).serial());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(epoch, epoch(all.get(i).serial()));
            assertEquals(i + 1, offset(all.get(i).serial()), "consecutive offsets from 1");
        }
    }

    // Rule (MessageLog.currentSerial, advance; continuity.md §1: ATTACHED carries the position, PRESENCE serials are
    // in the same ordered space as MESSAGE serials): currentSerial follows appends and advances; a channel never
    // written is at offset 0; positions of advance() and of messages are in one order, as strings too.
    @Test
    void currentSerialFollowsAppendsAndAdvanceInOneOrder() {
        InMemoryMessageLog log = newLog();
        String start = log.currentSerial(CH);
        assertEquals(0, offset(start));

        String m1 = append(log, CH, 1).get(0).serial();
        assertEquals(m1, log.currentSerial(CH));
        String p1 = log.advance(CH);
        assertEquals(p1, log.currentSerial(CH));
        String m2 = append(log, CH, 1).get(0).serial();
        String p2 = log.advance(CH);
        String m3 = append(log, CH, 1).get(0).serial();
        assertEquals(m3, log.currentSerial(CH));

        List<String> inOrder = List.of(start, m1, p1, m2, p2, m3);
        for (int i = 0; i + 1 < inOrder.size(); i++) {
            assertEquals(epoch(start), epoch(inOrder.get(i + 1)));
            assertEquals(offset(inOrder.get(i)) + 1, offset(inOrder.get(i + 1)), "one position each");
            assertTrue(inOrder.get(i).compareTo(inOrder.get(i + 1)) < 0, "string order is channel order");
        }
    }

    // Rule: every channel log has its own positions and epoch; apps never share a channel.
    @Test
    void channelsAndAppsHaveTheirOwnPositions() {
        InMemoryMessageLog log = newLog();
        append(log, CH, 3);
        assertEquals(1, offset(append(log, OTHER, 1).get(0).serial()));
        assertEquals(1, offset(append(log, OTHER_APP, 1).get(0).serial()));
        assertNotEquals(epoch(log.currentSerial(CH)), epoch(log.currentSerial(OTHER_APP)));
    }

    // ---- replay after a serial (continuity.md §2) -----------------------------------------------------------

    // Rule (§2): after a serial the client gets exactly the later messages, oldest first, nothing twice; the same
    // for a serial issued by append and by advance (a presence event), and for the channel's start (offset 0).
    @Test
    void afterReturnsExactlyTheLaterMessagesOldestFirst() {
        InMemoryMessageLog log = newLog();
        String start = log.currentSerial(CH);
        List<Message> a = append(log, CH, 3);
        String presence = log.advance(CH);
        List<Message> b = append(log, CH, 2);

        Replay fromMessage = log.after(CH, a.get(1).serial());
        assertTrue(fromMessage.continuous());
        assertEquals(List.of(a.get(2), b.get(0), b.get(1)), fromMessage.messages());

        Replay fromPresence = log.after(CH, presence);
        assertTrue(fromPresence.continuous());
        assertEquals(b, fromPresence.messages());

        Replay fromStart = log.after(CH, start);
        assertTrue(fromStart.continuous());
        assertEquals(idsOf(List.of(a.get(0), a.get(1), a.get(2), b.get(0), b.get(1))), idsOf(fromStart.messages()));

        Replay upToDate = log.after(CH, log.currentSerial(CH));
        assertTrue(upToDate.continuous());
        assertTrue(upToDate.messages().isEmpty());
    }

    // Rule (§2, Replay): when the log cannot vouch for every message after the serial it says LOST (the broker then
    // sends 90003 without RESUMED): another epoch, a malformed serial, one ahead of the log, another channel's or
    // another app's serial, and a channel never written.
    @Test
    void afterIsLostWhenTheLogCannotVouchForTheSerial() {
        InMemoryMessageLog log = newLog();
        List<Message> a = append(log, CH, 3);
        String mine = a.get(0).serial();
        String epoch = epoch(mine);

        assertTrue(log.after(CH, mine).continuous(), "control: our own serial is continuous");
        String otherEpoch = (epoch.startsWith("x") ? "y" : "x") + epoch.substring(1);
        assertSame(Replay.LOST, log.after(CH, new ChannelSerial(otherEpoch, 1).wire()), "another epoch");
        assertSame(Replay.LOST, log.after(CH, "not-a-serial"), "malformed");
        assertSame(Replay.LOST, log.after(CH, epoch + ":00000000000001"), "malformed: an offset of 14 digits");
        assertSame(Replay.LOST, log.after(CH, epoch + "::0000000000001"), "malformed: an extra colon");
        assertSame(Replay.LOST, log.after(CH, null), "absent");
        assertSame(Replay.LOST, log.after(CH, new ChannelSerial(epoch, 4).wire()), "ahead of the log");

        append(log, OTHER, 3);
        assertSame(Replay.LOST, log.after(OTHER, mine), "a serial of another channel");
        assertSame(Replay.LOST, log.after(OTHER_APP, mine), "the same channel name in another app");
        assertSame(Replay.LOST, log.after(new ChannelKey("app1", "never-written"), mine), "a channel never written");
        assertSame(Replay.LOST, log.after(new ChannelKey("app1", "never-written"), new ChannelSerial(epoch, 0).wire()),
                "a channel never written, from offset 0");
    }

    // Rule: an appender (what a live channel holds, to append without a lookup by key) writes the very log
    // the key reads, in one order with appends by key; once a sweep has dropped that log, its appends go to
    // the log made again, never to the dropped one (where nobody would read them).
    @Test
    void anAppenderWritesTheLogTheKeyReadsAndFollowsItPastASweep() {
        InMemoryMessageLog log = newLog();
        MessageLog.Appender appender = log.appender(CH);
        List<Message> first = appender.append(List.of(msg()), Set.of());
        List<Message> byKey = append(log, CH, 1);
        List<Message> second = appender.append(List.of(msg(), msg()), Set.of());
        assertEquals(List.of(1L, 2L, 3L, 4L), List.of(offset(first.get(0).serial()), offset(byKey.get(0).serial()),
                offset(second.get(0).serial()), offset(second.get(1).serial())), "one order, appender and key alike");
        assertEquals(idsOf(List.of(first.get(0), byKey.get(0), second.get(0), second.get(1))),
                idsOf(log.latest(CH, 100, 0)));

        clock.advance(Duration.ofMillis(MAX_AGE + 1));
        log.sweep();
        assertEquals(0, log.channelCount(), "unpinned and idle: dropped");
        List<Message> after = appender.append(List.of(msg()), Set.of());
        assertNotEquals(epoch(first.get(0).serial()), epoch(after.get(0).serial()), "a log made again");
        assertEquals(idsOf(after), idsOf(log.latest(CH, 100, 0)), "the key reads what the appender wrote");
        assertEquals(log.currentSerial(CH), after.get(0).serial());
    }

    // Rule (ChannelSerial, §1): a log dropped by sweep() and made again has a new epoch, so a serial of the old log
    // is LOST, even at an offset the new log also has.
    @Test
    void aDroppedAndRecreatedLogHasANewEpoch() {
        InMemoryMessageLog log = newLog();
        List<Message> old = append(log, CH, 2);
        clock.advance(Duration.ofMillis(MAX_AGE + 1));
        log.sweep();
        assertEquals(0, log.channelCount(), "unpinned and idle: dropped");

        List<Message> fresh = append(log, CH, 3);
        assertNotEquals(epoch(old.get(0).serial()), epoch(fresh.get(0).serial()));
        assertEquals(1, offset(fresh.get(0).serial()));
        assertSame(Replay.LOST, log.after(CH, old.get(0).serial()), "offset 1 of the old epoch is not offset 1 now");
        assertSame(Replay.LOST, log.after(CH, old.get(1).serial()));
        assertEquals(fresh.subList(1, 3), log.after(CH, fresh.get(0).serial()).messages());
    }

    // ---- retention -----------------------------------------------------------------------------------------

    // Rule (Retention): a message younger than maxAge stays, even with minMessages 0 and the channel unpinned;
    // once older, it goes (minMessages 0), and a serial before it is then LOST.
    @Test
    void messagesYoungerThanMaxAgeStay() {
        InMemoryMessageLog log = newLog(new Retention(MAX_AGE, 0, 1L << 20, 1L << 30, MAX_AGE));
        String start = log.currentSerial(CH);
        List<Message> a = append(log, CH, 3);

        clock.advance(Duration.ofMillis(MAX_AGE - 1));
        log.sweep();
        assertEquals(a, log.after(CH, start).messages());
        assertEquals(3, log.history(CH, query(true, 100)).items().size());

        clock.advance(Duration.ofMillis(2));
        pinned.add(CH); // pinned or not, minMessages 0 keeps nothing older than maxAge
        log.sweep();
        assertTrue(log.history(CH, query(true, 100)).items().isEmpty());
        assertSame(Replay.LOST, log.after(CH, start));
        assertEquals(0, log.retainedBytes());
    }

    // Rule (Retention, "whichever keeps more"): while the channel is pinned, messages older than maxAge go only
    // beyond the newest minMessages; younger ones stay even beyond minMessages.
    @Test
    void olderMessagesGoOnlyBeyondMinMessagesWhileThePinnedChannelKeepsThem() {
        pinned.add(CH);
        InMemoryMessageLog log = newLog(new Retention(MAX_AGE, 3, 1L << 20, 1L << 30, MAX_AGE));
        List<Message> old = append(log, CH, 5);

        clock.advance(Duration.ofMinutes(10));
        log.sweep();
        assertEquals(idsOf(old.subList(2, 5)), idsOf(log.latest(CH, 100, 0)), "the newest minMessages outlive maxAge");
        assertTrue(log.after(CH, old.get(1).serial()).continuous(), "from the last evicted one: continuous");
        assertEquals(old.subList(2, 5), log.after(CH, old.get(1).serial()).messages());
        assertSame(Replay.LOST, log.after(CH, old.get(0).serial()), "from before the expired range");

        List<Message> young = append(log, CH, 4);
        log.sweep();
        assertEquals(idsOf(young), idsOf(log.latest(CH, 100, 0)),
                "young messages stay beyond minMessages; the old ones are now beyond it and go");
    }

    // Rule (InMemoryMessageLog, Retention): once a channel is not pinned and has been idle for the retention time,
    // sweep expires its history by age alone (minMessages no longer protects it) and drops the log.
    @Test
    void anUnpinnedIdleChannelExpiresByAgeAloneAndItsLogIsDropped() {
        InMemoryMessageLog log = newLog(); // minMessages 100
        pinned.add(OTHER);
        append(log, CH, 5);
        append(log, OTHER, 5);

        clock.advance(Duration.ofMillis(MAX_AGE - 1));
        log.sweep();
        assertEquals(5, log.latest(CH, 100, 0).size(), "not idle long enough yet");

        clock.advance(Duration.ofMillis(2));
        assertEquals(5, log.latest(CH, 100, 0).size(), "minMessages keeps them until the sweep");
        log.sweep();
        assertTrue(log.latest(CH, 100, 0).isEmpty());
        assertTrue(log.history(CH, query(true, 100)).items().isEmpty());
        assertEquals(1, log.channelCount(), "CH dropped; the pinned OTHER kept");
        assertEquals(5, log.latest(OTHER, 100, 0).size(), "pinned: minMessages keeps them");
        assertEquals(5 * bytesPerMessage(), log.retainedBytes());
    }

    // Rule: retainedBytes counts what is kept, and is back to 0 when everything has expired.
    @Test
    void retainedBytesIsBackToZeroWhenEverythingExpired() {
        InMemoryMessageLog log = newLog();
        long each = bytesPerMessage();
        append(log, CH, 4);
        append(log, OTHER, 2);
        append(log, OTHER_APP, 1);
        assertEquals(7 * each, log.retainedBytes());

        clock.advance(Duration.ofMillis(MAX_AGE + 1));
        log.sweep();
        assertEquals(0, log.retainedBytes());
        assertEquals(0, log.channelCount());
        assertEquals(0, log.evictedForSpace(), "expiry by age is not eviction for space");
    }

    // Rule (Retention): a channel over maxBytesPerChannel loses its oldest messages first; a serial from before the
    // evicted range is then LOST; evictedForSpace counts them.
    @Test
    void perChannelByteBoundEvictsOldestFirst() {
        long each = bytesPerMessage();
        InMemoryMessageLog log = newLog(new Retention(MAX_AGE, 100, 3 * each + each / 2, 1L << 30, MAX_AGE));
        String start = log.currentSerial(CH);
        List<Message> a = append(log, CH, 5);

        assertEquals(idsOf(a.subList(2, 5)), idsOf(log.latest(CH, 100, 0)));
        assertEquals(3 * each, log.retainedBytes());
        assertEquals(2, log.evictedForSpace());
        assertSame(Replay.LOST, log.after(CH, start));
        assertSame(Replay.LOST, log.after(CH, a.get(0).serial()));
        assertEquals(a.subList(2, 5), log.after(CH, a.get(1).serial()).messages(), "from the last evicted: continuous");
        assertEquals(List.of(a.get(4), a.get(3), a.get(2)), log.history(CH, query(true, 100)).items());

        List<Message> b = append(log, CH, 1);
        assertEquals(idsOf(List.of(a.get(3), a.get(4), b.get(0))), idsOf(log.latest(CH, 100, 0)));
        assertEquals(3, log.evictedForSpace());
    }

    // Rule (Retention): all channels together over maxBytesTotal lose the globally oldest messages first (whatever
    // channel holds them: not the channel written, not the biggest), counted in evictedForSpace.
    @Test
    void globalByteBoundEvictsTheGloballyOldestMessageFirst() {
        long each = bytesPerMessage();
        InMemoryMessageLog log = newLog(new Retention(MAX_AGE, 100, 10 * each, 10 * each, MAX_AGE));
        List<Message> b1 = append(log, OTHER, 2);      // the oldest of all
        clock.advance(Duration.ofMillis(1));
        List<Message> a = append(log, CH, 4);          // the biggest channel
        clock.advance(Duration.ofMillis(1));
        List<Message> b2 = append(log, OTHER, 2);
        clock.advance(Duration.ofMillis(1));
        List<Message> c = append(log, OTHER_APP, 2);   // 10 in all: at the bound, nothing evicted
        assertEquals(10 * each, log.retainedBytes());
        assertEquals(0, log.evictedForSpace());

        clock.advance(Duration.ofMillis(1));
        List<Message> c2 = append(log, OTHER_APP, 1);  // over: back to 90%, i.e. 9 messages
        assertEquals(9 * each, log.retainedBytes());
        assertEquals(2, log.evictedForSpace());
        assertEquals(idsOf(b2), idsOf(log.latest(OTHER, 100, 0)), "OTHER's two oldest went");
        assertEquals(idsOf(a), idsOf(log.latest(CH, 100, 0)), "the biggest channel is untouched");
        assertEquals(3, log.latest(OTHER_APP, 100, 0).size(), "the channel written is untouched");
        assertSame(Replay.LOST, log.after(OTHER, b1.get(0).serial()), "before OTHER's evicted range");
        assertEquals(b2, log.after(OTHER, b1.get(1).serial()).messages());

        clock.advance(Duration.ofMillis(1));
        append(log, OTHER_APP, 2);                     // 11 again: now CH holds the oldest two
        assertEquals(9 * each, log.retainedBytes());
        assertEquals(4, log.evictedForSpace());
        assertEquals(idsOf(a.subList(2, 4)), idsOf(log.latest(CH, 100, 0)));
        assertEquals(2, log.latest(OTHER, 100, 0).size());
        assertEquals(5, log.latest(OTHER_APP, 100, 0).size());
        assertNotNull(c);
        assertNotNull(c2);
    }

    // Rule (Retention): a global eviction takes a channel's messages within EVICTION_GRAIN_MILLIS of the oldest
    // left elsewhere in one turn, not one message a channel in turn (each turn touched another channel's cold
    // ring): channels written in step, a millisecond apart, lose a run of one channel's oldest.
    @Test
    void aGlobalEvictionTakesOneChannelsRunWithinTheGrain() {
        long each = bytesPerMessage();
        InMemoryMessageLog log = newLog(new Retention(MAX_AGE, 100, 40 * each, 40 * each, MAX_AGE));
        for (int i = 0; i < 20; i++) {
            append(log, CH, 1);
            clock.advance(Duration.ofMillis(1));
            append(log, OTHER, 1);
            clock.advance(Duration.ofMillis(1));
        }
        append(log, OTHER_APP, 1);
        long gone = log.evictedForSpace();
        assertTrue(gone >= 3, "a slice goes: " + gone);
        assertEquals(20 - gone, log.latest(CH, 100, 0).size(), "CH, which held the oldest, lost them all");
        assertEquals(20, log.latest(OTHER, 100, 0).size(), "OTHER, a millisecond newer each time, lost none");
    }

    // Rule (Retention): past the grain, the oldest still go first: one old message in OTHER goes, then CH's
    // oldest, not OTHER's run of newer ones (more than the grain newer than CH's).
    @Test
    void aGlobalEvictionStillTakesTheOldestFirstBeyondTheGrain() {
        long each = bytesPerMessage();
        InMemoryMessageLog log = newLog(new Retention(MAX_AGE, 100, 40 * each, 40 * each, MAX_AGE));
        append(log, OTHER, 1);
        clock.advance(Duration.ofMillis(1));
        for (int i = 0; i < 20; i++) {
            append(log, CH, 1);
            clock.advance(Duration.ofMillis(1));
        }
        clock.advance(Duration.ofMillis(3 * InMemoryMessageLog.EVICTION_GRAIN_MILLIS));
        append(log, OTHER, 19);
        append(log, OTHER_APP, 1);
        long gone = log.evictedForSpace();
        assertTrue(gone >= 3, "a slice goes: " + gone);
        assertEquals(19, log.latest(OTHER, 100, 0).size(), "OTHER lost its one old message only");
        assertEquals(20 - (gone - 1), log.latest(CH, 100, 0).size(), "then CH's oldest went");
    }

    // Rule (Retention): one pass past a large global bound evicts a slice (1/64 of the bound, or 1 KiB a
    // channel), not a tenth: the thread that crossed the bound is not stalled for a tenth of the history.
    @Test
    void aPassPastALargeBoundEvictsASliceNotATenth() {
        long each = bytesPerMessage();
        long bound = 1_000 * each;
        InMemoryMessageLog log = newLog(new Retention(MAX_AGE, 100, bound, bound, MAX_AGE));
        for (int i = 0; i < 500; i++) {
            append(log, CH, 1);
            append(log, OTHER, 1);
        }
        assertEquals(bound, log.retainedBytes());
        append(log, OTHER_APP, 1);
        long slack = InMemoryMessageLog.evictionSlack(bound, 3);
        assertTrue(slack < bound / 10, "slack " + slack + " of " + bound);
        assertTrue(log.retainedBytes() <= bound - slack, "under the bound by the slack: " + log.retainedBytes());
        assertTrue(log.retainedBytes() > bound - slack - 2 * each, "no more than the slack: " + log.retainedBytes());
        assertEquals((each + bound - log.retainedBytes()) / each, log.evictedForSpace());
    }

    // Rule: the slack is 1/64 of the bound, 1 KiB a channel when that is more, and never more than a tenth.
    @Test
    void evictionSlackScalesWithTheChannelsUpToATenth() {
        long mib = 1L << 20;
        assertEquals(4 * mib, InMemoryMessageLog.evictionSlack(256 * mib, 1_000));
        assertEquals(10_000 * 1024L, InMemoryMessageLog.evictionSlack(256 * mib, 10_000));
        assertEquals(256 * mib / 10, InMemoryMessageLog.evictionSlack(256 * mib, 1_000_000));
        assertEquals(1_000, InMemoryMessageLog.evictionSlack(10_000, 3));
    }

    // ---- de-duplication (continuity.md §6, §2 RTN19a) --------------------------------------------------------

    // Rule (§6): an id appended on a channel is a duplicate there within dedupeWindow, not after; not on another
    // channel, nor on the same channel name of another app (apps are isolated).
    @Test
    void isDuplicateWithinTheWindowOnThatChannelOfThatAppOnly() {
        InMemoryMessageLog log = newLog(new Retention(MAX_AGE, 100, 1L << 20, 1L << 30, 60_000));
        Message m = append(log, CH, 1).get(0);
        append(log, OTHER, 1);
        append(log, OTHER_APP, 1);

        assertTrue(log.isDuplicate(CH, m.id()));
        assertFalse(log.isDuplicate(CH, "never-seen"));
        assertFalse(log.isDuplicate(CH, null));
        assertFalse(log.isDuplicate(OTHER, m.id()), "another channel");
        assertFalse(log.isDuplicate(OTHER_APP, m.id()), "the same channel name in another app");
        assertFalse(log.isDuplicate(new ChannelKey("app1", "never-written"), m.id()));

        clock.advance(Duration.ofMillis(59_999));
        assertTrue(log.isDuplicate(CH, m.id()), "still within the window");
        clock.advance(Duration.ofMillis(2));
        assertFalse(log.isDuplicate(CH, m.id()), "after the window");
    }

    // Rule (Retention: ids are remembered for dedupeWindow "however the messages themselves fare"): an id stays a
    // duplicate after its message was evicted for space.
    @Test
    void idsOutliveTheirEvictedMessages() {
        long each = bytesPerMessage();
        InMemoryMessageLog log = newLog(new Retention(MAX_AGE, 100, each, 1L << 30, MAX_AGE));
        Message first = append(log, CH, 1).get(0);
        append(log, CH, 1);
        assertEquals(1, log.latest(CH, 100, 0).size(), "control: the first was evicted");
        assertTrue(log.isDuplicate(CH, first.id()));
    }

    // Rule (§6, continuity.md §4 "history is per app"): another app's channel of the same name sees nothing.
    @Test
    void appsAreIsolated() {
        InMemoryMessageLog log = newLog();
        append(log, CH, 3);
        assertTrue(log.history(OTHER_APP, query(true, 100)).items().isEmpty());
        assertTrue(log.latest(OTHER_APP, 100, 0).isEmpty());
        assertSame(Replay.LOST, log.after(OTHER_APP, log.currentSerial(CH)));
    }

    // ---- rewind (continuity.md §5) ---------------------------------------------------------------------------

    // Rule (§5): rewind gives the most recent messages, oldest first: at most count, none older than since.
    @Test
    void latestGivesTheMostRecentOldestFirst() {
        InMemoryMessageLog log = newLog();
        List<Message> a = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            a.addAll(append(log, CH, 1));
            clock.advance(Duration.ofSeconds(1));
        } // a[i] at T0 + i s; now T0 + 10 s
        assertEquals(a.subList(7, 10), log.latest(CH, 3, 0));
        assertEquals(a, log.latest(CH, 100, 0));
        assertEquals(a.subList(6, 10), log.latest(CH, 100, T0 + 6_000), "since is inclusive");
        assertEquals(a.subList(8, 10), log.latest(CH, 2, T0 + 6_000), "both bounds: the fewer");
        assertTrue(log.latest(CH, 0, 0).isEmpty());
        assertTrue(log.latest(CH, 100, T0 + 60_000).isEmpty());
        assertTrue(log.latest(OTHER, 5, 0).isEmpty(), "a channel never written");
    }

    // ---- history (continuity.md §4) --------------------------------------------------------------------------

    // Rule (§4, RSL2): backwards (newest first) and forwards (oldest first); paging via next until it is null gives
    // every message exactly once, in order, in pages of at most limit.
    @Test
    void historyPagesBothWaysWithoutGapsOrDuplicates() {
        InMemoryMessageLog log = newLog();
        List<Message> all = append(log, CH, 250);
        List<Message> newestFirst = new ArrayList<>(all);
        java.util.Collections.reverse(newestFirst);

        HistoryPage first = log.history(CH, query(true, 100));
        assertEquals(newestFirst.subList(0, 100), first.items());
        assertNotNull(first.next());

        for (boolean backwards : new boolean[] {true, false}) {
            List<Integer> sizes = new ArrayList<>();
            List<Message> seen = new ArrayList<>();
            for (HistoryQuery q = query(backwards, 100); q != null; ) {
                HistoryPage page = log.history(CH, q);
                sizes.add(page.items().size());
                seen.addAll(page.items());
                q = page.next();
                assertTrue(sizes.size() <= 3, "paging must end");
            }
            assertEquals(backwards ? newestFirst : all, seen, backwards ? "backwards" : "forwards");
            assertEquals(List.of(100, 100, 50), sizes);
        }
        assertEquals(List.of(all.get(0)), log.history(CH, query(false, 1)).items());
        assertNull(log.history(CH, query(true, 250)).next(), "everything on one page: no next");
        assertNull(log.history(CH, query(true, 1000)).next());
    }

    // Rule (§4, RSL2b1): start and end (ms, inclusive) bound the page, in both directions, and paging keeps them.
    @Test
    void historyStartAndEndWindows() {
        InMemoryMessageLog log = newLog();
        List<Message> a = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            a.addAll(append(log, CH, 1));
            clock.advance(Duration.ofSeconds(1));
        } // a[i] at T0 + i s
        List<Message> window = a.subList(2, 6);
        List<Message> windowBackwards = List.of(a.get(5), a.get(4), a.get(3), a.get(2));

        assertEquals(window, log.history(CH, new HistoryQuery(T0 + 2_000, T0 + 5_000, false, 100, null, null)).items());
        assertEquals(windowBackwards, log.history(CH, new HistoryQuery(T0 + 2_000, T0 + 5_000, true, 100, null, null)).items());
        assertEquals(a.subList(7, 10), log.history(CH, new HistoryQuery(T0 + 7_000, null, false, 100, null, null)).items());
        assertEquals(a.subList(0, 2), log.history(CH, new HistoryQuery(null, T0 + 1_000, false, 100, null, null)).items());
        assertTrue(log.history(CH, new HistoryQuery(T0 + 20_000, null, true, 100, null, null)).items().isEmpty());

        assertEquals(windowBackwards, allHistory(log, CH, new HistoryQuery(T0 + 2_000, T0 + 5_000, true, 3, null, null)));
        assertEquals(window, allHistory(log, CH, new HistoryQuery(T0 + 2_000, T0 + 5_000, false, 1, null, null)));
    }

    // Rule (§1 attachSerial, §4 untilAttach): untilSerial gives only messages at or before the attach point, also
    // when paging; an attach point of another epoch gives nothing.
    @Test
    void historyUntilSerialStopsAtTheAttachPoint() {
        InMemoryMessageLog log = newLog();
        List<Message> before = append(log, CH, 5);
        String attachSerial = log.currentSerial(CH);
        List<Message> afterAttach = append(log, CH, 3);
        assertEquals(8, log.history(CH, query(true, 100)).items().size(), "control");

        List<Message> expected = new ArrayList<>(before);
        java.util.Collections.reverse(expected);
        assertEquals(expected, log.history(CH, new HistoryQuery(null, null, true, 100, attachSerial, null)).items());
        assertEquals(expected, allHistory(log, CH, new HistoryQuery(null, null, true, 2, attachSerial, null)));
        assertEquals(before, allHistory(log, CH, new HistoryQuery(null, null, false, 2, attachSerial, null)));

        String presence = log.advance(CH); // an attach point made by advance(): same rule
        append(log, CH, 1);
        List<Message> upToPresence = new ArrayList<>(before);
        upToPresence.addAll(afterAttach);
        assertEquals(upToPresence, allHistory(log, CH, new HistoryQuery(null, null, false, 100, presence, null)));

        String epoch = epoch(attachSerial);
        String otherEpoch = (epoch.startsWith("x") ? "y" : "x") + epoch.substring(1);
        HistoryPage foreign = log.history(CH, new HistoryQuery(null, null, true, 100, new ChannelSerial(otherEpoch, 5).wire(), null));
        assertTrue(foreign.items().isEmpty());
        assertNull(foreign.next());
    }

    // Rule (§4): a channel never written has an empty history and no next page.
    @Test
    void historyOfAChannelNeverWrittenIsEmpty() {
        InMemoryMessageLog log = newLog();
        HistoryPage page = log.history(CH, query(true, 100));
        assertTrue(page.items().isEmpty());
        assertNull(page.next());
        assertEquals(0, log.channelCount(), "a read makes no log");
    }
}
