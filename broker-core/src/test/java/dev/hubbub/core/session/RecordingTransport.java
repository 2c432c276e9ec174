package dev.hubbub.core.session;

import dev.hubbub.core.channel.SharedFrame;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A fake outbound for core tests: records every frame sent, whether the connection was closed,
 * and the scheduled tasks, which run only when a test asks ({@link #runScheduled}).
 */
final class RecordingTransport implements Transport {
    /** A task waiting for {@link #runScheduled}. */
    static final class Scheduled implements Cancellable {
        final Runnable task;
        final long delayMillis;
        boolean cancelled;

        Scheduled(Runnable task, long delayMillis) {
            this.task = task;
            this.delayMillis = delayMillis;
        }

        @Override
        public void cancel() { cancelled = true; }
    }

    private final List<ProtocolMessage> frames = new ArrayList<>();
    private final List<Scheduled> scheduled = new ArrayList<>();
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
        Scheduled s = new Scheduled(task, delayMillis);
        scheduled.add(s);
        return s;
    }

    /** Runs every pending, uncancelled task once (tasks they schedule wait for the next call). */
    int runScheduled() {
        List<Scheduled> due;
        synchronized (this) {
            due = new ArrayList<>(scheduled);
            scheduled.clear();
        }
        int ran = 0;
        for (Scheduled s : due) {
            if (!s.cancelled) {
                s.task.run();
                ran++;
            }
        }
        return ran;
    }

    synchronized List<Scheduled> pendingTasks() {
        return scheduled.stream().filter(s -> !s.cancelled).collect(Collectors.toList());
    }

    synchronized List<ProtocolMessage> frames() { return List.copyOf(frames); }

    synchronized List<ProtocolMessage> frames(Action action) {
        return frames.stream().filter(f -> f.action() == action).collect(Collectors.toList());
    }

    /** The only frame with this action; fails when there is not exactly one. */
    synchronized ProtocolMessage only(Action action) {
        List<ProtocolMessage> matching = frames(action);
        if (matching.size() != 1) {
            throw new AssertionError("expected one " + action + " frame, got " + frames);
        }
        return matching.get(0);
    }

    synchronized ProtocolMessage last() {
        if (frames.isEmpty()) {
            throw new AssertionError("no frame was sent");
        }
        return frames.get(frames.size() - 1);
    }

    synchronized void clear() { frames.clear(); }

    synchronized boolean isClosed() { return closed; }
}
