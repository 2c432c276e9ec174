package dev.hubbub.testkit;

import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * The recording fake of core's outbound seam, for tests without Netty: keeps every frame sent (the
 * last frame of {@link #close} included), whether and how the connection was closed, and every
 * scheduled task. Tasks wait until a test runs them ({@link #runScheduled}, {@link Timer#run}),
 * unless the transport was made with a {@link Scheduler} (a hand-driven clock's timers, say).
 */
public class RecordingTransport implements Transport {
    /** Where scheduled tasks go instead of being kept here. */
    @FunctionalInterface
    public interface Scheduler {
        Cancellable schedule(Runnable task, long delayMillis);
    }

    /** A task handed to {@link #schedule}; {@link #run} runs it unless it was cancelled. */
    public static final class Timer implements Cancellable {
        public final Runnable task;
        public final long delayMillis;
        private volatile boolean cancelled;

        Timer(Runnable task, long delayMillis) {
            this.task = task;
            this.delayMillis = delayMillis;
        }

        @Override
        public void cancel() { cancelled = true; }

        public boolean cancelled() { return cancelled; }

        public void run() {
            if (!cancelled) {
                task.run();
            }
        }

        @Override
        public String toString() { return "Timer[" + delayMillis + " ms" + (cancelled ? ", cancelled" : "") + "]"; }
    }

    private final Scheduler scheduler;
    private final List<ProtocolMessage> frames = new ArrayList<>();
    private final List<Timer> timers = new ArrayList<>();
    private boolean closed;
    private ProtocolMessage lastFrame;

    /** Keeps scheduled tasks until a test runs them. */
    public RecordingTransport() { this(null); }

    public RecordingTransport(Scheduler scheduler) { this.scheduler = scheduler; }

    @Override
    public synchronized void send(ProtocolMessage message) {
        if (!closed) {
            frames.add(message);
        }
    }

    @Override
    public synchronized void close(ProtocolMessage last) {
        if (!closed) {
            if (last != null) {
                frames.add(last);
            }
            lastFrame = last;
            closed = true;
        }
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMillis) {
        if (scheduler != null) {
            return scheduler.schedule(task, delayMillis);
        }
        Timer t = new Timer(task, delayMillis);
        timers.add(t);
        return t;
    }

    /** Every frame sent, in order. */
    public synchronized List<ProtocolMessage> frames() { return List.copyOf(frames); }

    public synchronized List<ProtocolMessage> frames(Action action) {
        return frames.stream().filter(f -> f.action() == action).toList();
    }

    /** The only frame with this action; fails when there is not exactly one. */
    public synchronized ProtocolMessage only(Action action) {
        List<ProtocolMessage> matching = frames(action);
        if (matching.size() != 1) {
            throw new AssertionError("expected one " + action + " frame, got " + frames);
        }
        return matching.get(0);
    }

    public synchronized ProtocolMessage last() {
        if (frames.isEmpty()) {
            throw new AssertionError("nothing was sent");
        }
        return frames.get(frames.size() - 1);
    }

    public synchronized void clear() { frames.clear(); }

    public synchronized boolean isClosed() { return closed; }

    /** The frame the connection was closed with (null: closed without one, or not closed). */
    public synchronized ProtocolMessage closedWith() { return lastFrame; }

    /** Timers not cancelled (run or not), in the order they were scheduled. */
    public synchronized List<Timer> liveTimers() { return timers.stream().filter(t -> !t.cancelled).toList(); }

    public synchronized List<Timer> allTimers() { return List.copyOf(timers); }

    /** The live timer scheduled with exactly this delay; fails unless there is exactly one. */
    public synchronized Timer liveTimer(long delayMillis) {
        List<Timer> matching = liveTimers().stream().filter(t -> t.delayMillis == delayMillis).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one live timer of " + delayMillis + " ms, have " + timers);
        }
        return matching.get(0);
    }

    /** Runs every pending, uncancelled task once (tasks they schedule wait for the next call); how many ran. */
    public int runScheduled() {
        List<Timer> due;
        synchronized (this) {
            due = new ArrayList<>(timers);
            timers.clear();
        }
        int ran = 0;
        for (Timer t : due) {
            if (!t.cancelled) {
                t.task.run();
                ran++;
            }
        }
        return ran;
    }
}
