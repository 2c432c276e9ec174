package dev.hubbub.core.session.reauth;

import dev.hubbub.core.channel.SharedFrame;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.Transport;
import java.util.ArrayList;
import java.util.List;

/**
 * A recording fake of the outbound seam: keeps every frame, whether the connection was closed, and
 * every scheduled task with its delay. Tasks never run by themselves; a test picks one and runs it.
 */
final class ScriptedTransport implements Transport {
    /** A task handed to {@link #schedule}; {@link #run} runs it unless it was cancelled. */
    static final class Timer implements Cancellable {
        final Runnable task;
        final long delayMillis;
        volatile boolean cancelled;

        Timer(Runnable task, long delayMillis) {
            this.task = task;
            this.delayMillis = delayMillis;
        }

        @Override
        public void cancel() { cancelled = true; }

        void run() {
            if (!cancelled) {
                task.run();
            }
        }

        @Override
        public String toString() { return "Timer[" + delayMillis + " ms" + (cancelled ? ", cancelled" : "") + "]"; }
    }

    private final List<ProtocolMessage> frames = new ArrayList<>();
    private final List<Timer> timers = new ArrayList<>();
    private boolean closed;

    @Override
    public synchronized void send(ProtocolMessage message) {
        if (!closed) {
            frames.add(message);
        }
    }

    @Override
    public synchronized void send(SharedFrame frame) {
        if (!closed) {
            frames.add(frame.message());
        }
    }

    @Override
    public synchronized void sendAndClose(ProtocolMessage last) {
        if (!closed) {
            frames.add(last);
            closed = true;
        }
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, long delayMillis) {
        Timer t = new Timer(task, delayMillis);
        timers.add(t);
        return t;
    }

    /** Timers not cancelled (run or not), in the order they were scheduled. */
    synchronized List<Timer> liveTimers() {
        return timers.stream().filter(t -> !t.cancelled).toList();
    }

    synchronized List<Timer> allTimers() { return List.copyOf(timers); }

    /** The live timer scheduled with exactly this delay; fails unless there is exactly one. */
    synchronized Timer liveTimer(long delayMillis) {
        List<Timer> matching = liveTimers().stream().filter(t -> t.delayMillis == delayMillis).toList();
        if (matching.size() != 1) {
            throw new AssertionError("expected one live timer of " + delayMillis + " ms, have " + timers);
        }
        return matching.get(0);
    }

    synchronized List<ProtocolMessage> frames() { return List.copyOf(frames); }

    synchronized List<ProtocolMessage> frames(Action action) {
        return frames.stream().filter(f -> f.action() == action).toList();
    }

    synchronized ProtocolMessage last() {
        if (frames.isEmpty()) {
            throw new AssertionError("nothing was sent");
        }
        return frames.get(frames.size() - 1);
    }

    synchronized void clearFrames() { frames.clear(); }

    synchronized boolean isClosed() { return closed; }
}
