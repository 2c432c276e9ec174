package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.channel.ChannelBus;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.LocalBus;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A session over a bus that confirms later, as a cluster's does: ACKs and NACKs still go out in
 * msgSerial order (the SDKs read an ACK for n as the answer to everything before it), a local
 * refusal waits its turn, and an ATTACH is answered only once the bus delivers the channel here.
 */
class AsyncBusTest {
    /** Holds every publish and every open until the test lets it go (on the test's thread, standing in for Redis's). */
    static final class HeldBus implements ChannelBus {
        final LocalBus local;
        final List<Runnable> held = new ArrayList<>();

        HeldBus(LocalBus local) { this.local = local; }

        /** When set, held publishes end with this error instead of being delivered. */
        volatile ErrorInfo failed;

        @Override
        public void publish(Publication p, Consumer<Outcome<PublishResult>> done) {
            held.add(() -> {
                if (failed != null) {
                    done.accept(Outcome.fail(failed));
                } else {
                    local.publish(p, done);
                }
            });
        }

        @Override
        public void open(ChannelKey key, Runnable live, Consumer<ErrorInfo> failed) {
            held.add(live);
        }
    }

    private HeldBus bus;
    private final TestCore core = TestCore.builder()
            .key(new ApiKey("app1.full", "secret1", Capability.ALL))
            .bus((router, log) -> bus = new HeldBus(new LocalBus(router, log)))
            .build();

    private TestClient attached(String channel) {
        TestClient c = core.connect("app1.full:secret1", null, null, null);
        c.send(Frames.attach(channel, null));
        bus.held.remove(0).run(); // the channel is live here now
        c.out().runScheduled();
        assertEquals(1, c.out().frames(Action.ATTACHED).size());
        return c;
    }

    @Test
    void answersGoOutInMsgSerialOrderWhateverOrderTheBusConfirmsIn() {
        TestClient c = attached("room");
        c.send(Frames.publish("room", 0, "a"));
        c.send(Frames.publish("room", 1, "b"));
        c.send(Frames.publish("", 2, "refused at once")); // an invalid channel name: NACKed without the bus
        assertEquals(2, bus.held.size());
        assertTrue(c.out().frames(Action.ACK).isEmpty() && c.out().frames(Action.NACK).isEmpty(),
                "the refusal of 2 waits for 0 and 1");
        bus.held.remove(1).run(); // the bus confirms 1 before 0
        c.out().runScheduled();
        assertTrue(c.out().frames(Action.ACK).isEmpty(), "1 is confirmed but 0 is not: nothing may be ACKed yet");
        bus.held.remove(0).run();
        c.out().runScheduled();
        List<Long> order = new ArrayList<>();
        for (ProtocolMessage m : c.out().frames()) {
            if (m.action() == Action.ACK || m.action() == Action.NACK) {
                order.add(m.msgSerial());
            }
        }
        assertEquals(List.of(0L, 1L, 2L), order);
        assertEquals(Action.NACK, c.out().frames().stream().filter(m -> m.msgSerial() != null && m.msgSerial() == 2)
                .findFirst().orElseThrow().action());
    }

    @Test
    void aBusThatCannotConfirmGivesANackWithItsError() {
        TestClient c = attached("room");
        c.send(Frames.publish("room", 0, "lost"));
        bus.failed = ErrorCode.INTERNAL.info("Redis timed out"); // what the bus hands back, on its own thread
        bus.held.remove(0).run();
        c.out().runScheduled();
        ProtocolMessage nack = c.out().frames(Action.NACK).get(0);
        assertEquals(0L, nack.msgSerial());
        assertEquals(50000, nack.error().code());
        assertTrue(c.out().frames(Action.MESSAGE).isEmpty(), "nothing was delivered");
    }

    @Test
    void attachedComesOnlyOnceTheBusHasTheChannel() {
        TestClient c = core.connect("app1.full:secret1", null, null, null);
        c.send(Frames.attach("room", null));
        c.out().runScheduled();
        assertTrue(c.out().frames(Action.ATTACHED).isEmpty(), "no ATTACHED before the bus delivers the channel here");
        bus.held.remove(0).run();
        c.out().runScheduled();
        assertEquals(1, c.out().frames(Action.ATTACHED).size());
    }

    @Test
    void anAttachOvertakenByADetachIsDropped() {
        TestClient c = core.connect("app1.full:secret1", null, null, null);
        c.send(Frames.attach("room", null));
        c.send(ProtocolMessage.of(Action.DETACH).withChannel("room"));
        bus.held.remove(0).run();
        c.out().runScheduled();
        assertTrue(c.out().frames(Action.ATTACHED).isEmpty(), "detached before the bus was ready: stays detached");
        assertEquals(null, core.router.find(new ChannelKey("app1", "room")));
    }

    @Test
    void anAttachTheBusCannotSetUpGetsADetachedWithTheErrorSoTheSdkRetries() {
        TestCore failing = TestCore.builder().key(new ApiKey("app1.full", "secret1", Capability.ALL))
                .bus((router, log) -> new ChannelBus() {
                    @Override
                    public void publish(Publication p, Consumer<Outcome<PublishResult>> done) {}

                    @Override
                    public void open(ChannelKey key, Runnable live, Consumer<ErrorInfo> failed) {
                        failed.accept(ErrorCode.INTERNAL.info("cluster unreachable"));
                    }
                }).build();
        TestClient c = failing.connect("app1.full:secret1", null, null, null);
        c.send(Frames.attach("room", null));
        ProtocolMessage error = c.out().frames(Action.DETACHED).get(0); // DETACHED, so the SDK retries (RTL13b)
        assertEquals("room", error.channel());
        assertEquals(50000, error.error().code());
        assertTrue(c.out().frames(Action.ERROR).isEmpty(), "an ERROR would fail the channel for good");
        assertTrue(c.out().frames(Action.ATTACHED).isEmpty());
    }
}
