package dev.hubbub.core.presence;

import dev.hubbub.core.channel.SharedFrame;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.Transport;
import dev.hubbub.testkit.ManualTimers;
import java.util.ArrayList;
import java.util.List;

/** A fake outbound that records every frame in order; timers go to the shared {@link ManualTimers}. */
final class RecordingTransport implements Transport {
    private final List<ProtocolMessage> sent = new ArrayList<>();
    private final ManualTimers timers;
    private boolean closed;

    RecordingTransport(ManualTimers timers) { this.timers = timers; }

    @Override
    public synchronized void send(ProtocolMessage message) {
        if (!closed) {
            sent.add(message);
        }
    }

    @Override
    public synchronized void send(SharedFrame frame) {
        if (!closed) {
            sent.add(frame.message());
        }
    }

    @Override
    public synchronized void sendAndClose(ProtocolMessage last) {
        if (!closed) {
            sent.add(last);
            closed = true;
        }
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMillis) {
        PresenceTimers.Cancellable c = timers.schedule(task, delayMillis);
        return c::cancel;
    }

    synchronized List<ProtocolMessage> sent() { return new ArrayList<>(sent); }

    synchronized void clear() { sent.clear(); }

    synchronized boolean closed() { return closed; }
}
