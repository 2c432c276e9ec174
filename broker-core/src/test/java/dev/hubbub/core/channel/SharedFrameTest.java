package dev.hubbub.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedFrameTest {
    private final List<String> released = new ArrayList<>();

    private EncodedFrame named(String name) {
        return () -> released.add(name);
    }

    @Test
    void eachFormatIsEncodedOnceAndReleasedOnce() {
        SharedFrame frame = new SharedFrame(ProtocolMessage.heartbeat(null));
        int[] encodings = new int[1];
        EncodedFrame first = frame.encoded(0, m -> { encodings[0]++; return named("json"); });
        EncodedFrame again = frame.encoded(0, m -> { encodings[0]++; return named("json-again"); });
        assertSame(first, again);
        assertEquals(1, encodings[0]);
        frame.release();
        assertEquals(List.of("json"), released);
    }

    @Test
    void attachmentsAreFoundByIdentityAndReleasedInOrderBeforeTheEncodings() {
        SharedFrame frame = new SharedFrame(ProtocolMessage.heartbeat(null));
        Object loopA = new Object();
        Object loopB = new Object();
        frame.encoded(1, m -> named("msgpack"));
        assertNull(frame.attachment(loopA));
        for (int i = 0; i < 6; i++) { // past the initial capacity
            frame.attach(new Object(), named("other-" + i));
        }
        EncodedFrame a = named("a");
        frame.attach(loopA, a);
        frame.attach(loopB, named("b"));
        assertSame(a, frame.attachment(loopA));
        assertNull(frame.attachment(new Object()));

        frame.release();
        assertEquals(List.of("other-0", "other-1", "other-2", "other-3", "other-4", "other-5", "a", "b", "msgpack"), released);
        assertNull(frame.attachment(loopA), "released attachments are forgotten");
        frame.release();
        assertEquals(9, released.size(), "nothing is released twice");
    }
}
