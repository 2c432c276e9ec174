package dev.hubbub.transport.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.outbound.Transport;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-loop timing wheel, on an embedded loop whose clock the test moves (and, for other threads, on a real loop). */
class LoopTimersTest {
    private static final long TICK = LoopTimers.TICK_MILLIS;
    private static final long SPAN = TICK * LoopTimers.WHEEL_SIZE;

    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final EventLoop loop = ch.eventLoop();
    private final LoopTimers timers;
    private final long start;
    private DefaultEventLoopGroup group;

    LoopTimersTest() {
        ch.freezeTime();
        start = EventLoopWriter.nanoTime(loop);
        timers = new LoopTimers(loop);
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Milliseconds on the embedded loop's clock since the test began. */
    private long nowMillis() { return TimeUnit.NANOSECONDS.toMillis(EventLoopWriter.nanoTime(loop) - start); }

    private void advance(long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    /** A timer that records the loop-clock millisecond of each firing. */
    private final class Probe implements LoopTimers.Timer {
        final List<Long> firedAt = new ArrayList<>();
        Runnable then = () -> { };
        long due;
        LoopTimers.Timer next;
        LoopTimers.Timer prev;

        void armIn(long millis) { timers.add(this, EventLoopWriter.nanoTime(loop) + TimeUnit.MILLISECONDS.toNanos(millis)); }

        @Override
        public void timerFired() {
            firedAt.add(nowMillis());
            then.run();
        }

        @Override public long timerDue() { return due; }
        @Override public void timerDue(long tick) { due = tick; }
        @Override public LoopTimers.Timer timerNext() { return next; }
        @Override public void timerNext(LoopTimers.Timer n) { next = n; }
        @Override public LoopTimers.Timer timerPrev() { return prev; }
        @Override public void timerPrev(LoopTimers.Timer p) { prev = p; }
    }

    @Test
    void aTimerFiresAtTheFirstTickAtOrAfterItsDeadlineNeverBefore() {
        Probe onBoundary = new Probe();
        Probe between = new Probe();
        onBoundary.armIn(10 * TICK);
        between.armIn(10 * TICK + 1);
        advance(10 * TICK - 1);
        assertEquals(List.of(), onBoundary.firedAt, "nothing before the deadline");
        advance(1);
        assertEquals(List.of(10 * TICK), onBoundary.firedAt, "due on a tick boundary: fired on it");
        assertEquals(List.of(), between.firedAt, "1 ms past the boundary: not early, so at the next tick");
        advance(TICK - 1);
        assertEquals(List.of(), between.firedAt);
        advance(1);
        assertEquals(List.of(11 * TICK), between.firedAt);
        assertEquals(0, timers.size());
    }

    /** Random deadlines, some past the wheel's span, a clock moved in uneven steps: each fires once, at or after its deadline, within a tick and a step. */
    @Test
    void manyTimersEachFireOnceNeverEarlyAtMostATickLate() {
        Random random = new Random(42);
        int n = 20_000;
        Probe[] probes = new Probe[n];
        long[] deadline = new long[n];
        for (int i = 0; i < n; i++) {
            probes[i] = new Probe();
            deadline[i] = 1 + random.nextInt((int) (3 * SPAN));
            probes[i].armIn(deadline[i]);
        }
        assertEquals(n, timers.size());
        long step = 37;
        while (nowMillis() < 3 * SPAN + 2 * TICK) {
            advance(step);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(1, probes[i].firedAt.size(), "timer " + i + " due at " + deadline[i]);
            long at = probes[i].firedAt.get(0);
            assertTrue(at >= deadline[i], "timer " + i + " fired early: due " + deadline[i] + ", fired " + at);
            assertTrue(at < deadline[i] + TICK + step, "timer " + i + " fired late: due " + deadline[i] + ", fired " + at);
        }
        assertEquals(0, timers.size());
    }

    @Test
    void aTimerPastTheWheelsSpanWaitsItsRounds() {
        long hour = TimeUnit.HOURS.toMillis(1);
        Probe expiry = new Probe();
        expiry.armIn(hour);
        for (long t = 0; t < hour - 10_000; t += 10_000) {
            advance(10_000);
            assertEquals(List.of(), expiry.firedAt, "not at " + nowMillis());
        }
        advance(hour - nowMillis() - 1);
        assertEquals(List.of(), expiry.firedAt);
        advance(1);
        assertEquals(List.of(hour), expiry.firedAt);
    }

    /** A clock moved by hours at once (a stalled loop, a test): what fell due fires, in order of due time. */
    @Test
    void aLongJumpFiresWhatIsDueInOrder() {
        List<String> order = new ArrayList<>();
        Probe renewal = new Probe();
        renewal.then = () -> order.add("renewal");
        Probe expiry = new Probe();
        expiry.then = () -> order.add("expiry");
        Probe later = new Probe();
        expiry.armIn(TimeUnit.HOURS.toMillis(1));
        renewal.armIn(TimeUnit.HOURS.toMillis(1) - 30_000);
        later.armIn(TimeUnit.HOURS.toMillis(5));
        advance(TimeUnit.HOURS.toMillis(2));
        assertEquals(List.of("renewal", "expiry"), order);
        assertEquals(List.of(), later.firedAt);
        assertEquals(1, timers.size());
        advance(TimeUnit.HOURS.toMillis(3));
        assertEquals(List.of(TimeUnit.HOURS.toMillis(5)), later.firedAt);
    }

    @Test
    void aRemovedTimerDoesNotFireAndReArmingMovesIt() {
        Probe a = new Probe();
        Probe b = new Probe();
        Probe c = new Probe();
        a.armIn(500);
        b.armIn(500); // the same bucket: unlinking from the middle, head and tail of a list
        c.armIn(500);
        assertTrue(timers.remove(b));
        assertFalse(timers.remove(b), "already out");
        a.armIn(2_000); // re-arming takes it from its old place
        advance(500);
        assertEquals(List.of(), a.firedAt);
        assertEquals(List.of(), b.firedAt);
        assertEquals(List.of(500L), c.firedAt);
        advance(1_500);
        assertEquals(List.of(2_000L), a.firedAt);
        assertEquals(0, timers.size());
    }

    @Test
    void aTimerMayReArmItselfWhileFiring() {
        Probe heartbeat = new Probe();
        heartbeat.then = () -> {
            if (heartbeat.firedAt.size() < 5) {
                heartbeat.armIn(1_000);
            }
        };
        heartbeat.armIn(1_000);
        for (int i = 0; i < 100; i++) {
            advance(TICK);
        }
        assertEquals(List.of(1_000L, 2_000L, 3_000L, 4_000L, 5_000L), heartbeat.firedAt);
    }

    @Test
    void timersAddedOrRemovedWhileABucketFires() {
        Probe first = new Probe();
        Probe sibling = new Probe(); // same bucket, after first: removed by it before its turn
        Probe added = new Probe(); // added by first with a deadline already past: not lost, next tick
        Probe nextRound = new Probe(); // added by first into the bucket being fired, one round on
        first.then = () -> {
            timers.remove(sibling);
            timers.add(added, EventLoopWriter.nanoTime(loop) - 1);
            nextRound.armIn(SPAN);
        };
        first.armIn(1_000);
        sibling.armIn(1_000);
        advance(1_000);
        assertEquals(List.of(1_000L), first.firedAt);
        assertEquals(List.of(), sibling.firedAt);
        assertEquals(List.of(), added.firedAt, "not in the tick that is firing: the next one");
        advance(TICK);
        assertEquals(List.of(1_000L + TICK), added.firedAt);
        advance(SPAN - TICK - 1);
        assertEquals(List.of(), nextRound.firedAt);
        advance(1);
        assertEquals(List.of(1_000L + SPAN), nextRound.firedAt);
    }

    /** The wheel's own Netty task runs only while it holds timers. */
    @Test
    void theWheelIsArmedOnlyWhileItHoldsTimers() {
        assertFalse(timers.armed());
        Probe p = new Probe();
        p.armIn(300);
        assertTrue(timers.armed());
        advance(300);
        assertEquals(1, p.firedAt.size());
        assertFalse(timers.armed(), "empty after firing: not re-armed");
        p.armIn(300);
        timers.remove(p);
        advance(TICK);
        assertFalse(timers.armed(), "emptied by a removal: stops at its next tick");
        assertEquals(0, ScheduledTasks.count(loop));
    }

    @Test
    void scheduledTasksRunOnTheLoopAndCancelledOnesDoNot() {
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger cancelledRan = new AtomicInteger();
        timers.schedule(ran::incrementAndGet, 1_000);
        Transport.Cancellable c = timers.schedule(cancelledRan::incrementAndGet, 1_000);
        assertEquals(2, timers.size());
        c.cancel();
        assertEquals(1, timers.size(), "cancelled on the loop: out of the wheel at once");
        c.cancel(); // twice: harmless
        advance(1_000);
        assertEquals(1, ran.get());
        assertEquals(0, cancelledRan.get());
    }

    @Test
    void aZeroDelayRunsAsTheLoopsNextTaskNotInTheWheel() {
        AtomicInteger ran = new AtomicInteger();
        timers.schedule(ran::incrementAndGet, 0);
        Transport.Cancellable c = timers.schedule(ran::incrementAndGet, 0);
        c.cancel();
        assertEquals(0, timers.size());
        assertFalse(timers.armed());
        assertEquals(0, ran.get(), "never inline");
        ch.runPendingTasks();
        assertEquals(1, ran.get(), "the cancelled one did not run");
    }

    /** From other threads: scheduling hops onto the loop, a cancel made there keeps the task from running. */
    @Test
    void scheduleAndCancelFromAnotherThread() {
        group = new DefaultEventLoopGroup(1);
        EventLoop real = group.next();
        LoopTimers realTimers = new LoopTimers(real, 10, 64);
        ConcurrentLinkedQueue<String> ran = new ConcurrentLinkedQueue<>();
        Transport.Cancellable cancelled = realTimers.schedule(() -> ran.add("cancelled"), 200);
        realTimers.schedule(() -> ran.add("now"), 0);
        realTimers.schedule(() -> ran.add("soon"), 50);
        realTimers.schedule(() -> ran.add("after"), 400);
        cancelled.cancel();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ran.contains("after"));
        assertEquals(List.of("now", "soon", "after"), new ArrayList<>(ran));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> real.submit(realTimers::size).get() == 0);
    }

    @Test
    void theLoopsTimersAreOnePerLoop() {
        assertTrue(LoopTimers.of(loop) == LoopTimers.of(loop));
        EmbeddedChannel other = new EmbeddedChannel();
        try {
            assertFalse(LoopTimers.of(loop) == LoopTimers.of(other.eventLoop()));
        } finally {
            other.finishAndReleaseAll();
        }
    }
}
