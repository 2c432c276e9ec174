package dev.hubbub.core.outbound;

import dev.hubbub.core.protocol.ProtocolMessage;

/**
 * How core talks to one network connection. Implementations may be called from any thread and
 * hand the work to the connection's I/O thread; frames from one caller keep their order. Frames
 * for many connections at once go through a {@link FanOutPort} instead.
 */
public interface Transport {
    void send(ProtocolMessage message);

    /**
     * Ends the connection. With a {@code last} frame (ERROR, DISCONNECTED, CLOSED) the frame is
     * sent and the client is given a bounded time to read it and close the connection itself
     * (an SDK that sees the socket close first reports a transport failure, not the error); then
     * the transport closes it. With null it closes at once. Nothing is sent after this call.
     */
    void close(ProtocolMessage last);

    /** Runs {@code task} on the connection's own thread after {@code delayMillis}. */
    Cancellable schedule(Runnable task, long delayMillis);

    interface Cancellable {
        void cancel();
    }
}
