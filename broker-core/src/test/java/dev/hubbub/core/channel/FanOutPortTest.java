package dev.hubbub.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.outbound.FanOutPort;
import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestSubscriber;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The seam between a channel and the network: per frame, one begin, one add per recipient, and
 * exactly one dispatch after the last add, also when nobody wants the frame or an add fails.
 * A recording port, no Netty.
 */
class FanOutPortTest {
    /** Records the calls in order, e.g. "begin", "add:a", "dispatch". */
    static final class RecordingPort implements FanOutPort {
        final List<String> calls = new ArrayList<>();
        RuntimeException failOnAdd;

        @Override
        public FanOut begin(ProtocolMessage frame) {
            calls.add("begin:" + frame.action());
            return new FanOut() {
                @Override
                public void add(Transport recipient) {
                    if (failOnAdd != null) {
                        throw failOnAdd;
                    }
                    calls.add("add:" + ((Named) recipient).name);
                }

                @Override
                public void dispatch() { calls.add("dispatch"); }
            };
        }
    }

    static final class Named extends RecordingTransport {
        final String name;

        Named(String name) { this.name = name; }
    }

    static Subscriber subscriber(String id, boolean echo) { return new TestSubscriber(id, echo, new Named(id)); }

    private final RecordingPort port = new RecordingPort();
    private final ChannelRouter router = new ChannelRouter(port);
    private final ChannelKey key = new ChannelKey("app", "room");

    @Test
    void aPublishBeginsOnceAddsEachSubscriberThenDispatchesOnce() {
        router.attach(key, subscriber("a", true), Flags.MODE_SUBSCRIBE);
        router.attach(key, subscriber("b", true), Flags.MODE_SUBSCRIBE);
        Channel channel = router.attach(key, subscriber("c", true), Flags.MODE_PUBLISH); // no SUBSCRIBE: not a recipient

        channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "p:0", "p", 1L, null, List.of(Message.of("n", "d"))), "p");

        assertEquals(List.of("begin:MESSAGE", "add:a", "add:b", "dispatch"), port.calls);
        assertEquals(2, router.deliveries(), "deliveries count the recipients");
    }

    @Test
    void aPublisherThatAskedForNoEchoIsNotARecipient() {
        router.attach(key, subscriber("a", true), Flags.MODE_SUBSCRIBE);
        Channel channel = router.attach(key, subscriber("quiet", false), Flags.MODE_SUBSCRIBE);

        channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "quiet:0", "quiet", 1L, null, List.of(Message.of("n", "d"))), "quiet");
        channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "a:0", "a", 2L, null, List.of(Message.of("n", "d"))), "a");

        assertEquals(List.of("begin:MESSAGE", "add:a", "dispatch", "begin:MESSAGE", "add:a", "add:quiet", "dispatch"),
                port.calls);
    }

    @Test
    void aFrameNobodyWantsIsStillDispatchedOnceSoThePortCanReleaseWhatItMade() {
        Channel channel = router.attach(key, subscriber("a", true), Flags.MODE_PRESENCE);
        channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "rest:0", null, 1L, null, List.of(Message.of("n", "d"))), null);
        assertEquals(List.of("begin:MESSAGE", "dispatch"), port.calls);
        assertEquals(0, router.deliveries());
    }

    @Test
    void aFailingAddStillDispatches() {
        Channel channel = router.attach(key, subscriber("a", true), Flags.MODE_SUBSCRIBE);
        port.failOnAdd = new IllegalStateException("boom");
        assertThrows(IllegalStateException.class, () -> channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "rest:0", null, 1L, null, List.of(Message.of("n", "d"))), null));
        assertEquals(List.of("begin:MESSAGE", "dispatch"), port.calls);
    }

    @Test
    void presenceGoesThroughThePortToo() {
        router.attach(key, subscriber("watcher", true), Flags.MODE_PRESENCE_SUBSCRIBE);
        Channel channel = router.attach(key, subscriber("owner", true), Flags.MODE_SUBSCRIBE);
        channel.fanOutPresence(ProtocolMessage.heartbeat("stand-in"), "owner");
        assertEquals(List.of("begin:HEARTBEAT", "add:watcher", "add:owner", "dispatch"), port.calls);
    }

    @Test
    void theDirectPortSendsToEachRecipient() {
        RecordingTransport a = new RecordingTransport();
        FanOutPort.FanOut out = FanOutPort.DIRECT.begin(ProtocolMessage.heartbeat("x"));
        out.add(a);
        out.dispatch();
        assertEquals(1, a.frames().size());
        assertTrue(a.frames().get(0).id().equals("x"));
    }
}
