package dev.hubbub.core.session;

import dev.hubbub.core.channel.SharedFrame;
import dev.hubbub.core.protocol.ProtocolMessage;

/**
 * How core talks to one network connection. Implementations may be called from any thread and
 * hand the work to the connection's I/O thread; frames from one caller keep their order.
 */
public interface Transport {
    void send(ProtocolMessage message);

    /** Sends a frame shared by many recipients (encoded at most once per wire format). */
    void send(SharedFrame frame);

    /** Sends a last frame, then closes the connection. */
    void sendAndClose(ProtocolMessage last);

    /** Runs {@code task} on the connection's own thread after {@code delayMillis}. */
    Cancellable schedule(Runnable task, long delayMillis);

    interface Cancellable {
        void cancel();
    }
}
