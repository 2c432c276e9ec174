package dev.hubbub.testkit;

import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.outbound.Transport;

/** A channel subscriber for tests: an id, echo or not, and where its frames go. */
public record TestSubscriber(String connectionId, boolean echoes, Transport outbound) implements Subscriber {
    /** An echoing subscriber that records what it is sent. */
    public static TestSubscriber recording(String connectionId) {
        return new TestSubscriber(connectionId, true, new RecordingTransport());
    }

    /** Every frame it was sent, when it records ({@link #recording}). */
    public java.util.List<dev.hubbub.core.protocol.ProtocolMessage> received() {
        return ((RecordingTransport) outbound).frames();
    }
}
