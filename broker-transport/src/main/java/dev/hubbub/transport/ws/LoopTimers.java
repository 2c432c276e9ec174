package dev.hubbub.transport.ws;

import dev.hubbub.core.outbound.Transport;
import io.netty.channel.EventLoop;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection timers of one event loop: a hashed timing wheel, so that a connection's timers
 * (its liveness check, its token's renewal and expiry) are not each a Netty scheduled task in the
 * loop's priority queue (a 64-byte task per arming and an O(log n) insert and remove; a million
 * of them on a node that holds a million connections). The wheel itself runs as one Netty
 * scheduled task per loop, armed only while it holds timers, one tick at a time.
 *
 * <p>Time is the loop's clock ({@link EventLoopWriter#nanoTime}), so an embedded loop's test
 * clock drives it. A timer is due at the first tick boundary at or after its deadline: never
 * early, at most a tick late. The tick is {@value #TICK_MILLIS} ms: the timers here are
 * heartbeats and idle checks (maxIdleInterval, 15 s by default) and token lifetimes (minutes to
 * hours), for which a tenth of a second is noise, while ten wake-ups a second per loop cost
 * nothing. The wheel spans {@value #WHEEL_SIZE} ticks (102.4 s), more than a liveness interval,
 * so those land in their bucket's current round; a timer further away (a token expiring in an
 * hour) keeps its absolute due tick and is passed over, at the cost of one comparison, each time
 * its bucket comes round before then (every 102.4 s).
 *
 * <p>Timers are intrusive ({@link Timer}: the object itself holds its due tick and bucket links),
 * so a connection's handler is its own liveness timer and arming one allocates nothing. Each
 * bucket is a doubly linked list: adding, cancelling and firing are O(1).
 *
 * <p>Confined to its loop, except {@link #schedule} and the {@link Transport.Cancellable} it
 * returns, which any thread may use (they hop onto the loop).
 */
final class LoopTimers implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(LoopTimers.class);

    static final long TICK_MILLIS = 100;
    static final int WHEEL_SIZE = 1024;
    /** A timer's due tick while it is not in a wheel (ticks start at 1). */
    static final long NOT_LINKED = 0;

    /**
     * Something a wheel can hold. Its methods other than {@link #timerFired} are the wheel's
     * bookkeeping, kept in the timer's own fields; only {@link LoopTimers} calls them.
     */
    interface Timer {
        /** Called on the loop once the timer is due; it is out of the wheel by then and may re-arm. */
        void timerFired();

        long timerDue();

        void timerDue(long tick);

        Timer timerNext();

        void timerNext(Timer next);

        Timer timerPrev();

        void timerPrev(Timer prev);
    }

    private final EventLoop loop;
    private final long tickNanos;
    private final int mask;
    private final Timer[] heads;
    private final Timer[] tails;
    private final long origin;
    /** The last tick whose bucket has been fired. */
    private long currentTick;
    private int size;
    /** The wheel's Netty task is scheduled or running (and will re-arm itself while timers are held). */
    private boolean armed;
    /** The bucket being fired, taken out of the wheel while its timers run: ends of its list. */
    private Timer firing;
    private Timer firingTail;

    LoopTimers(EventLoop loop) { this(loop, TICK_MILLIS, WHEEL_SIZE); }

    LoopTimers(EventLoop loop, long tickMillis, int wheelSize) {
        if (Integer.bitCount(wheelSize) != 1 || tickMillis <= 0) {
            throw new IllegalArgumentException("wheelSize must be a power of two and tickMillis positive");
        }
        this.loop = loop;
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
        this.mask = wheelSize - 1;
        this.heads = new Timer[wheelSize];
        this.tails = new Timer[wheelSize];
        this.origin = EventLoopWriter.nanoTime(loop);
    }

    /** The timers of {@code loop}: kept with its {@link EventLoopWriter}, and gone with it when the loop terminates. */
    static LoopTimers of(EventLoop loop) { return EventLoopWriter.of(loop).timers(); }

    /** (Re)arms {@code timer} for {@code deadlineNanos} on the loop's clock. On the loop. */
    void add(Timer timer, long deadlineNanos) {
        remove(timer);
        long now = EventLoopWriter.nanoTime(loop);
        if (size == 0) {
            currentTick = Math.max(currentTick, tickAtOrBefore(now)); // nothing to fire on the way there
        }
        long due = Math.max(currentTick + 1, -Math.floorDiv(origin - deadlineNanos, tickNanos)); // rounded up
        int bucket = (int) (due & mask);
        timer.timerDue(due);
        timer.timerNext(null);
        Timer tail = tails[bucket];
        timer.timerPrev(tail);
        if (tail == null) {
            heads[bucket] = timer;
        } else {
            tail.timerNext(timer);
        }
        tails[bucket] = timer;
        size++;
        if (!armed) {
            arm(now);
        }
    }

    /** Takes {@code timer} out of the wheel; false when it was not in it. On the loop. */
    boolean remove(Timer timer) {
        long due = timer.timerDue();
        if (due == NOT_LINKED) {
            return false;
        }
        int bucket = (int) (due & mask);
        Timer prev = timer.timerPrev();
        Timer next = timer.timerNext();
        if (prev != null) {
            prev.timerNext(next);
        } else if (firing == timer) {
            firing = next;
        } else {
            heads[bucket] = next;
        }
        if (next != null) {
            next.timerPrev(prev);
        } else if (firingTail == timer) {
            firingTail = prev;
        } else {
            tails[bucket] = prev;
        }
        timer.timerNext(null);
        timer.timerPrev(null);
        timer.timerDue(NOT_LINKED);
        size--;
        return true;
    }

    /** How many timers the wheel holds (for tests and gauges). On the loop. */
    int size() { return size; }

    /** Whether the wheel's Netty task is scheduled (for tests). On the loop. */
    boolean armed() { return armed; }

    /**
     * Runs {@code task} on the loop after {@code delayMillis}: in the wheel, or (0 or less) as the
     * loop's next task, after the one running. Any thread; so is cancelling it.
     */
    Transport.Cancellable schedule(Runnable task, long delayMillis) {
        Scheduled s = new Scheduled(this, task,
                delayMillis <= 0 ? Scheduled.NOW : EventLoopWriter.nanoTime(loop) + TimeUnit.MILLISECONDS.toNanos(delayMillis));
        if (s.deadline != Scheduled.NOW && loop.inEventLoop()) {
            add(s, s.deadline);
        } else {
            loop.execute(s); // the hop: run() adds it (or runs it, when it is due now)
        }
        return s;
    }

    private long tickAtOrBefore(long nanos) { return Math.floorDiv(nanos - origin, tickNanos); }

    private void arm(long now) {
        long nextBoundary = origin + (currentTick + 1) * tickNanos;
        try {
            loop.schedule(this, Math.max(0, nextBoundary - now), TimeUnit.NANOSECONDS);
            armed = true;
        } catch (RejectedExecutionException shuttingDown) {
            // the loop is going away, and its connections with it
        }
    }

    /** The wheel's tick: fires every bucket up to now, then re-arms while timers remain. */
    @Override
    public void run() {
        advanceTo(tickAtOrBefore(EventLoopWriter.nanoTime(loop)));
        armed = false;
        if (size > 0) {
            arm(EventLoopWriter.nanoTime(loop));
        }
    }

    private void advanceTo(long nowTick) {
        long skipCheckAt = currentTick;
        while (currentTick < nowTick) {
            if (size == 0) {
                currentTick = nowTick;
                return;
            }
            if (nowTick - currentTick > mask + 1 && currentTick >= skipCheckAt) {
                // far behind (a loop that stalled, a test clock moved by hours): skip the ticks before
                // the first timer rather than walk round the wheel again and again
                long first = earliestDue();
                if (first - 1 > currentTick) {
                    currentTick = Math.min(first - 1, nowTick);
                }
                skipCheckAt = currentTick + mask + 1;
                continue;
            }
            fire(++currentTick);
        }
    }

    private long earliestDue() {
        long first = Long.MAX_VALUE;
        for (Timer head : heads) {
            for (Timer t = head; t != null; t = t.timerNext()) {
                first = Math.min(first, t.timerDue());
            }
        }
        return first;
    }

    /** Fires the timers due at {@code tick}; those of later rounds go back. Timers may add and remove timers meanwhile. */
    private void fire(long tick) {
        int bucket = (int) (tick & mask);
        if (heads[bucket] == null) {
            return;
        }
        firing = heads[bucket];
        firingTail = tails[bucket];
        heads[bucket] = null;
        tails[bucket] = null;
        Timer t;
        while ((t = firing) != null) {
            Timer next = t.timerNext();
            firing = next;
            if (next == null) {
                firingTail = null;
            } else {
                next.timerPrev(null);
            }
            t.timerNext(null);
            if (t.timerDue() > tick) { // a later round: back in its bucket, at the end
                Timer tail = tails[bucket];
                t.timerPrev(tail);
                if (tail == null) {
                    heads[bucket] = t;
                } else {
                    tail.timerNext(t);
                }
                tails[bucket] = t;
                continue;
            }
            t.timerDue(NOT_LINKED);
            size--;
            try {
                t.timerFired();
            } catch (Throwable e) {
                log.warn("A timer failed", e);
            }
        }
    }

    /**
     * A timer of core's ({@link Transport#schedule}). Cancelling from another thread marks it
     * (so it never runs) and hops onto the loop to take it out of the wheel.
     */
    private static final class Scheduled implements Timer, Runnable, Transport.Cancellable {
        static final long NOW = Long.MIN_VALUE;

        private final LoopTimers timers;
        private final Runnable task;
        private final long deadline;
        private volatile boolean cancelled;
        private long due;
        private Timer next;
        private Timer prev;

        Scheduled(LoopTimers timers, Runnable task, long deadline) {
            this.timers = timers;
            this.task = task;
            this.deadline = deadline;
        }

        /** On the loop, after a hop: of {@link #schedule} (add or run it) or of {@link #cancel} (take it out). */
        @Override
        public void run() {
            if (cancelled) {
                timers.remove(this);
            } else if (deadline == NOW) {
                task.run();
            } else {
                timers.add(this, deadline);
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            if (timers.loop.inEventLoop()) {
                timers.remove(this);
                return;
            }
            try {
                timers.loop.execute(this);
            } catch (RejectedExecutionException shuttingDown) {
                // the wheel goes with the loop; the mark keeps the task from running meanwhile
            }
        }

        @Override
        public void timerFired() {
            if (!cancelled) {
                task.run();
            }
        }

        @Override public long timerDue() { return due; }
        @Override public void timerDue(long tick) { due = tick; }
        @Override public Timer timerNext() { return next; }
        @Override public void timerNext(Timer n) { next = n; }
        @Override public Timer timerPrev() { return prev; }
        @Override public void timerPrev(Timer p) { prev = p; }
    }
}
