package dev.hubbub.core.outbound;

import dev.hubbub.core.protocol.ProtocolMessage;

/**
 * How core hands one frame to many connections: the network side of a channel's fan-out. For each
 * frame a channel calls {@link #begin}, {@link FanOut#add} once per recipient, then
 * {@link FanOut#dispatch} once, all on one thread and under the channel's order lock (messages and
 * presence events alike), so every recipient gets a channel's frames in one order. An implementation may encode the frame
 * once per wire format and group recipients per I/O thread; it owns whatever buffers that takes
 * and releases them itself.
 */
public interface FanOutPort {
    /** Starts the fan-out of one frame. */
    FanOut begin(ProtocolMessage frame);

    /** One frame on its way to its recipients. Used by one thread. */
    interface FanOut {
        /** Adds a recipient; nothing need be sent before {@link #dispatch}. */
        void add(Transport recipient);

        /** Sends the frame to every recipient added; called exactly once, also when none was. */
        void dispatch();
    }

    /**
     * The plain port: each recipient's {@link Transport#send} gets the frame as it is added. For
     * transports with nothing to share between recipients (and for core tests).
     */
    FanOutPort DIRECT = frame -> new FanOut() {
        @Override
        public void add(Transport recipient) { recipient.send(frame); }

        @Override
        public void dispatch() {}
    };
}
