package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * maxInboundRate is enforced, per connection: a MESSAGE or PRESENCE frame over it is NACKed 42911 and not
 * published; a connection that goes on over it is disconnected 42921; the rate may be set per key, and CONNECTED
 * advertises the connection's own. A hand-driven clock: no sleeping.
 */
class InboundRateLimitTest {
    private static final String NORMAL = "app1.normal:secret";
    private static final String FAST = "app1.fast:secret";
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final TestCore core = TestCore.builder()
            .key(new ApiKey("app1.normal", "secret", Capability.ALL))
            .key(new ApiKey("app1.fast", "secret", Capability.ALL))
            .clock(clock)
            .limits(Limits.defaults().withInboundRates(5_000, Map.of("app1.fast", 1_000)))
            .build();
    private final TestClient watcher = core.connect(NORMAL, "watcher", null, null);

    InboundRateLimitTest() { watcher.send(Frames.attach("room", null)); }

    private void advance(long millis) { clock.advance(Duration.ofMillis(millis)); }

    /** The ACK or NACK of msgSerial among what the client was sent. */
    private static ProtocolMessage answer(TestClient c, long msgSerial) {
        return c.out().frames().stream().filter(f -> f.action() == Action.ACK || f.action() == Action.NACK)
                .filter(f -> f.msgSerial() == msgSerial).findFirst()
                .orElseThrow(() -> new AssertionError("no answer to " + msgSerial + ": " + c.out().frames()));
    }

    @Test
    void aPublishOverTheRateIsNackedAndNotDelivered() {
        TestClient alice = core.connect(NORMAL, "alice", null, null);
        for (int i = 0; i < 250; i++) {
            alice.send(Frames.publish("room", i, "m" + i));
        }
        assertEquals(250, Frames.data(watcher.out()).size(), "a second's worth passes at once");
        alice.send(Frames.publish("room", 250, "too many"));
        ProtocolMessage nack = answer(alice, 250);
        assertEquals(Action.NACK, nack.action());
        assertEquals(42911, nack.error().code());
        assertEquals(429, nack.error().statusCode());
        assertFalse(Frames.data(watcher.out()).contains("too many"), "a refused publish is not delivered");
        assertEquals(1, core.count("broker.inbound.limited"));
        assertEquals(250, core.count("broker.messages.in"));
        assertFalse(alice.out().isClosed(), "a NACK only: the connection stays");

        advance(20); // 5 messages' worth at 250/s
        alice.send(Frames.publish("room", 251, "later"));
        assertEquals(Action.ACK, answer(alice, 251).action());
        assertTrue(Frames.data(watcher.out()).contains("later"));
    }

    @Test
    void messagesAreCountedNotFrames() {
        TestClient alice = core.connect(NORMAL, "alice", null, null);
        List<Message> batch = Collections.nCopies(200, Message.of("n", "x"));
        alice.send(new ProtocolMessage(Action.MESSAGE, null, "room", null, null, null, null, null, null, 0L, batch, null, null,
                null, null, null));
        assertEquals(Action.ACK, answer(alice, 0).action());
        alice.send(new ProtocolMessage(Action.MESSAGE, null, "room", null, null, null, null, null, null, 1L, batch, null, null,
                null, null, null));
        ProtocolMessage nack = answer(alice, 1);
        assertEquals(42911, nack.error().code(), "200 + 200 messages in two frames is over 250");
        assertEquals(200, core.count("broker.inbound.limited"), "the metric counts messages");
        assertEquals(200, Frames.data(watcher.out()).size(), "a frame is refused whole");
    }

    @Test
    void presenceCountsTowardTheSameRate() {
        TestClient alice = core.connect(NORMAL, null, null, null); // wildcard: may enter any clientId
        alice.send(Frames.attach("room", null));
        for (int i = 0; i < 250; i++) {
            alice.send(Frames.publish("room", i, "m" + i));
        }
        alice.send(new ProtocolMessage(Action.PRESENCE, null, "room", null, null, null, null, null, null, 250L, null,
                List.of(new PresenceMessage(null, PresenceAction.ENTER, "bob", null, "hi", null, null, null)), null, null, null,
                null));
        ProtocolMessage nack = answer(alice, 250);
        assertEquals(Action.NACK, nack.action());
        assertEquals(42911, nack.error().code());
        assertEquals(0, core.presence.memberCount(new dev.hubbub.core.channel.ChannelKey("app1", "room")));
    }

    @Test
    void goingOnOverTheRateDisconnectsWith42921() {
        TestClient mallory = core.connect(NORMAL, "mallory", null, null);
        long serial = 0;
        for (int i = 0; i < 250; i++) {
            mallory.send(Frames.publish("room", serial++, "x"));
        }
        // a frame every 2 ms, twice the rate: every other one is refused, from now on
        long start = clock.millis();
        long nacked = 0;
        while (!mallory.out().isClosed()) {
            assertTrue(clock.millis() - start <= 5_010, "disconnected once refused for 5 s (at the first refusal after)");
            mallory.send(Frames.publish("room", serial, "x"));
            ProtocolMessage a = answer(mallory, serial++);
            if (a.action() == Action.NACK) {
                assertEquals(42911, a.error().code(), a::toString);
                nacked++;
            }
            advance(2);
        }
        assertTrue(clock.millis() - start >= 5_000, "not before 5 s: " + (clock.millis() - start));
        assertTrue(nacked > 1_000, "NACKed " + nacked);
        assertEquals(Action.NACK, answer(mallory, serial - 1).action(), "the frame that ends it is NACKed too");
        ProtocolMessage last = mallory.out().closedWith();
        assertEquals(Action.DISCONNECTED, last.action());
        assertEquals(42921, last.error().code());
        assertEquals(429, last.error().statusCode());
        assertEquals(1, core.count("broker.disconnects", "reason", "inbound_rate_exceeded"));
        assertTrue(mallory.session().isClosed());
    }

    @Test
    void aClientThatBacksOffIsNeverDisconnected() {
        TestClient bursty = core.connect(NORMAL, "bursty", null, null);
        long serial = 0;
        for (int second = 0; second < 30; second++) {
            for (int i = 0; i < 300; i++) { // 300 at once every 2 s: its last 50 are NACKed each time
                bursty.send(Frames.publish("room", serial++, "x"));
            }
            advance(2_000);
        }
        assertFalse(bursty.out().isClosed());
        assertEquals(30 * 50, core.count("broker.inbound.limited"));
    }

    @Test
    void aKeyMayHaveItsOwnRateAndConnectedAdvertisesIt() {
        TestClient fast = core.connect(FAST, "publisher", null, null);
        assertEquals(1_000, fast.connected().connectionDetails().maxInboundRate());
        assertEquals(250, core.connect(NORMAL, "other", null, null).connected().connectionDetails().maxInboundRate());
        for (int i = 0; i < 1_000; i++) {
            fast.send(Frames.publish("room", i, "m" + i));
        }
        assertEquals(0, core.count("broker.inbound.limited"));
        fast.send(Frames.publish("room", 1_000, "over"));
        assertEquals(42911, answer(fast, 1_000).error().code());
    }

    @Test
    void aResendAfterAResumeIsAnsweredAsBeforeWhateverTheRate() {
        TestClient alice = core.connect(NORMAL, "alice", null, null);
        for (int i = 0; i < 250; i++) {
            alice.send(Frames.publish("room", i, "m" + i));
        }
        alice.send(Frames.publish("room", 0, "m0")); // the same msgSerial again: its recorded ACK, nothing published
        ProtocolMessage again = alice.out().frames().stream().filter(f -> f.action() == Action.ACK && f.msgSerial() == 0)
                .skip(1).findFirst().orElseThrow();
        assertNull(again.error());
        assertEquals(0, core.count("broker.inbound.limited"));
    }
}
