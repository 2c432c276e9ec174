package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.limits.ClientIdLimits;
import dev.hubbub.core.limits.ClientIdLimits.OnConnectionLimit;
import dev.hubbub.core.limits.LimitBites;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Limits per person: connections per clientId (refuse the new one, or close the oldest) and the
 * publish rate per clientId across its connections, per app; metrics and the listener told of
 * every bite. A hand-driven clock: no sleeping.
 */
class ClientIdLimitsTest {
    private static final String KEY = "app1.k:secret";
    private static final String OTHER_APP = "app2.k:secret";
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<LimitBites.Bite> bites = new ArrayList<>();

    private TestCore core(int maxConnections, OnConnectionLimit policy, int maxRate) {
        TestCore core = TestCore.builder()
                .key(new ApiKey("app1.k", "secret", Capability.ALL))
                .key(new ApiKey("app2.k", "secret", Capability.ALL))
                .clock(clock)
                .clientIdLimits(new ClientIdLimits(Map.of("app1", new ClientIdLimits.App(maxConnections, policy, maxRate))),
                        ClientIdConnections.Elsewhere.NONE)
                .build();
        core.bites.listen(bites::add);
        return core;
    }

    /** A connect that may be refused: the session, or null with what the client was told in {@code out}. */
    private static Session tryConnect(TestCore core, String key, String clientId, String resume, RecordingTransport out) {
        return core.connector.connect(new ConnectRequest(key, null, clientId, "json", "6", true, resume, null, "test"), out);
    }

    @Test
    void refuseTurnsAwayTheConnectionOverTheLimitWith40111AndTheOthersStay() {
        TestCore core = core(2, OnConnectionLimit.REFUSE, 0);
        TestClient a1 = core.connect(KEY, "alice", null, null);
        TestClient a2 = core.connect(KEY, "alice", null, null);
        RecordingTransport third = new RecordingTransport();
        assertNull(tryConnect(core, KEY, "alice", null, third));
        ProtocolMessage error = third.closedWith();
        assertEquals(Action.ERROR, error.action(), "ERROR: the SDK goes FAILED instead of retrying into the limit");
        assertEquals(40111, error.error().code());
        assertTrue(error.error().message().contains("maxConnectionsPerClientId 2"), error.error().message());
        assertTrue(third.frames(Action.CONNECTED).isEmpty());
        assertFalse(a1.out().isClosed());
        assertFalse(a2.out().isClosed());
        assertEquals(1, core.count("broker.clientid.limited", "limit", "connections"));
        assertEquals(1, core.count("broker.disconnects", "reason", "connection_limit"));
        assertEquals(1, bites.size());
        assertEquals(LimitBites.Action.REFUSED_CONNECTION, bites.get(0).action());
        assertEquals("alice", bites.get(0).clientId());

        core.connect(KEY, "bob", null, null); // another person: unaffected
        core.connect(OTHER_APP, "alice", null, null); // another app's alice: unaffected
        core.connect(OTHER_APP, "alice", null, null);
        core.connect(OTHER_APP, "alice", null, null);
        core.connect(KEY, null, null, null); // a wildcard (key) connection does not count
        core.connect(KEY, null, null, null);
        core.connect(KEY, null, null, null);
        assertEquals(2, core.clientIds.count("app1", "alice"));
    }

    @Test
    void aClosedConnectionReleasesItsSlot() {
        TestCore core = core(1, OnConnectionLimit.REFUSE, 0);
        TestClient a1 = core.connect(KEY, "alice", null, null);
        assertNull(tryConnect(core, KEY, "alice", null, new RecordingTransport()));
        a1.send(ProtocolMessage.of(Action.CLOSE));
        assertTrue(a1.out().isClosed());
        assertEquals(0, core.clientIds.count("app1", "alice"));
        core.connect(KEY, "alice", null, null);
        assertEquals(1, core.clientIds.count("app1", "alice"));
    }

    @Test
    void aLostTransportReleasesItsSlotAndItsResumeCountsOnceAgain() {
        TestCore core = core(1, OnConnectionLimit.REFUSE, 0);
        TestClient a1 = core.connect(KEY, "alice", null, null);
        a1.session().end(DisconnectReason.TRANSPORT_LOST, null);
        assertEquals(0, core.clientIds.count("app1", "alice"), "a connection waiting to be resumed does not count");
        TestClient back = core.connect(KEY, "alice", a1.key(), null);
        assertEquals(a1.id(), back.id(), "resumed");
        assertEquals(1, core.clientIds.count("app1", "alice"));
        assertNull(tryConnect(core, KEY, "alice", null, new RecordingTransport()), "the resumed connection holds the slot");
    }

    @Test
    void aResumeWhileTheOldTransportIsStillOpenDoesNotCountTwice() {
        TestCore core = core(1, OnConnectionLimit.REFUSE, 0);
        TestClient a1 = core.connect(KEY, "alice", null, null);
        TestClient back = core.connect(KEY, "alice", a1.key(), null); // the old transport has not noticed yet
        assertEquals(a1.id(), back.id());
        a1.out().runScheduled(); // the old session is closed, superseded, on its own thread
        assertTrue(a1.out().isClosed());
        assertFalse(back.out().isClosed());
        assertEquals(1, core.clientIds.count("app1", "alice"));
        assertNull(tryConnect(core, KEY, "alice", null, new RecordingTransport()));
        assertTrue(bites.stream().noneMatch(b -> b.action() == LimitBites.Action.CLOSED_OLDEST));
    }

    @Test
    void closeOldestEndsTheOldestWith40150AndAdmitsTheNewOne() {
        TestCore core = core(2, OnConnectionLimit.CLOSE_OLDEST, 0);
        TestClient a1 = core.connect(KEY, "alice", null, null);
        TestClient a2 = core.connect(KEY, "alice", null, null);
        TestClient a3 = core.connect(KEY, "alice", null, null);
        assertFalse(a3.out().frames(Action.CONNECTED).isEmpty());
        a1.out().runScheduled(); // the oldest is ended on its own thread
        ProtocolMessage error = a1.out().closedWith();
        assertNotNull(error, "the oldest was told");
        assertEquals(Action.ERROR, error.action(), "ERROR, not DISCONNECTED: it must not reconnect and push the new one out");
        assertEquals(40150, error.error().code());
        assertTrue(error.error().message().contains("closeOldest"), error.error().message());
        a2.out().runScheduled();
        assertFalse(a2.out().isClosed());
        assertEquals(2, core.clientIds.count("app1", "alice"));
        assertEquals(1, core.count("broker.clientid.limited", "limit", "connections"));
        assertEquals(LimitBites.Action.CLOSED_OLDEST, bites.get(0).action());
        assertEquals(a1.session().who(), bites.get(0).who());

        TestClient a4 = core.connect(KEY, "alice", null, null); // next in line: a2
        a2.out().runScheduled();
        assertEquals(40150, a2.out().closedWith().error().code());
        a3.out().runScheduled();
        assertFalse(a3.out().isClosed());
        assertFalse(a4.out().isClosed());
    }

    @Test
    void closeOldestCannotCloseConnectionsElsewhereSoRefusesWhenTheyFillTheLimit() {
        TestCore core = TestCore.builder().key(new ApiKey("app1.k", "secret", Capability.ALL)).clock(clock)
                .clientIdLimits(new ClientIdLimits(Map.of("app1", new ClientIdLimits.App(2, OnConnectionLimit.CLOSE_OLDEST, 0))),
                        elsewhere(Map.of("alice", 2, "bob", 1)))
                .build();
        RecordingTransport refused = new RecordingTransport();
        assertNull(tryConnect(core, KEY, "alice", null, refused));
        assertEquals(40111, refused.closedWith().error().code());
        TestClient bob1 = core.connect(KEY, "bob", null, null); // 1 elsewhere + 1 here
        TestClient bob2 = core.connect(KEY, "bob", null, null); // closes bob1, the only one it can
        bob1.out().runScheduled();
        assertEquals(40150, bob1.out().closedWith().error().code());
        assertFalse(bob2.out().isClosed());
    }

    @Test
    void theCountOtherNodesHoldIsAddedAndThisNodesIsPublished() {
        List<String> published = new ArrayList<>();
        ClientIdConnections.Elsewhere recording = new ClientIdConnections.Elsewhere() {
            @Override
            public int count(String appId, String clientId) { return 1; }

            @Override
            public void here(String appId, String clientId, int connections) { published.add(clientId + "=" + connections); }
        };
        TestCore core = TestCore.builder().key(new ApiKey("app1.k", "secret", Capability.ALL)).clock(clock)
                .clientIdLimits(new ClientIdLimits(Map.of("app1", new ClientIdLimits.App(2, OnConnectionLimit.REFUSE, 0))), recording)
                .build();
        TestClient a1 = core.connect(KEY, "alice", null, null);
        assertNull(tryConnect(core, KEY, "alice", null, new RecordingTransport()), "1 elsewhere + 1 here = the limit");
        a1.session().end(DisconnectReason.CLIENT_CLOSED, null);
        assertEquals(List.of("alice=1", "alice=0"), published);
    }

    private static ClientIdConnections.Elsewhere elsewhere(Map<String, Integer> counts) {
        return new ClientIdConnections.Elsewhere() {
            @Override
            public int count(String appId, String clientId) { return counts.getOrDefault(clientId, 0); }

            @Override
            public void here(String appId, String clientId, int connections) { }
        };
    }

    @Test
    void thePublishRateIsSharedByAllTheConnectionsOfAClientId() {
        TestCore core = core(0, OnConnectionLimit.REFUSE, 10);
        TestClient watcher = core.connect(OTHER_APP, "w", null, null);
        TestClient a1 = core.connect(KEY, "alice", null, null);
        TestClient a2 = core.connect(KEY, "alice", null, null);
        TestClient bob = core.connect(KEY, "bob", null, null);
        for (int i = 0; i < 5; i++) {
            a1.send(Frames.publish("room", i, "a1-" + i));
            a2.send(Frames.publish("room", i, "a2-" + i));
        }
        assertEquals(10, a1.out().frames(Action.ACK).size() + a2.out().frames(Action.ACK).size());
        a2.send(Frames.publish("room", 5, "over"));
        ProtocolMessage nack = a2.out().only(Action.NACK);
        assertEquals(42910, nack.error().code());
        assertEquals(429, nack.error().statusCode());
        assertTrue(nack.error().message().contains("per-clientId"), nack.error().message());
        a1.send(Frames.publish("room", 5, "over too"));
        assertEquals(42910, a1.out().only(Action.NACK).error().code());
        assertEquals(2, core.count("broker.clientid.limited", "limit", "rate"));
        assertEquals(2, bites.size());
        assertTrue(bites.get(0).opensRun(), "the first refusal opens a run (logged)");
        assertFalse(bites.get(1).opensRun(), "the next within a second does not (counted only)");

        for (int i = 0; i < 10; i++) {
            bob.send(Frames.publish("room", i, "bob-" + i)); // bob has his own bucket
        }
        assertEquals(10, bob.out().frames(Action.ACK).size());
        TestClient otherAlice = core.connect(OTHER_APP, "alice", null, null);
        for (int i = 0; i < 20; i++) {
            otherAlice.send(Frames.publish("room", i, "x")); // no limit in app2
        }
        assertEquals(20, otherAlice.out().frames(Action.ACK).size());
        assertTrue(watcher.out().frames(Action.NACK).isEmpty());

        clock.advance(Duration.ofMillis(100)); // one message's worth at 10/s
        a1.send(Frames.publish("room", 6, "later"));
        assertEquals(1, a1.out().frames(Action.ACK).size() - 5);
    }

    @Test
    void aWildcardConnectionPublishingAsAClientIdSpendsThatPersonsRate() {
        TestCore core = core(0, OnConnectionLimit.REFUSE, 2);
        TestClient alice = core.connect(KEY, "alice", null, null);
        TestClient server = core.connect(KEY, null, null, null); // a key: may publish as anyone
        server.send(new ProtocolMessage(Action.MESSAGE, null, "room", null, null, null, null, null, null, 0L,
                List.of(new Message(null, "alice", null, null, "n", "x", null, null, null, null, null)),
                null, null, null, null, null));
        server.send(new ProtocolMessage(Action.MESSAGE, null, "room", null, null, null, null, null, null, 1L,
                List.of(Message.of("n", "anonymous messages are not counted"), Message.of("n", "x"), Message.of("n", "y")),
                null, null, null, null, null));
        assertEquals(2, server.out().frames(Action.ACK).size());
        alice.send(Frames.publish("room", 0, "mine"));
        alice.send(Frames.publish("room", 1, "over"));
        assertEquals(1, alice.out().frames(Action.ACK).size());
        assertEquals(42910, alice.out().only(Action.NACK).error().code());
    }

    @Test
    void restPublishesInThePersonsNameSpendTheSameRate() {
        TestCore core = core(0, OnConnectionLimit.REFUSE, 2);
        TestClient alice = core.connect(KEY, "alice", null, null);
        alice.send(Frames.publish("room", 0, "realtime"));
        var asAlice = core.authenticator.authenticateKey(KEY, "alice").value();
        var rest = core.publishing.publish(new dev.hubbub.core.publish.PublishRequest("rest", asAlice, "room",
                List.of(Message.of("n", "rest")), dev.hubbub.core.publish.PublishRequest.REST)).toCompletableFuture().join();
        assertTrue(rest.isOk(), "the second of two");
        var over = core.publishing.publish(new dev.hubbub.core.publish.PublishRequest("rest", asAlice, "room",
                List.of(Message.of("n", "over")), dev.hubbub.core.publish.PublishRequest.REST)).toCompletableFuture().join();
        assertFalse(over.isOk());
        assertEquals(42910, over.error().code());
        assertEquals(429, over.error().statusCode());
    }

    @Test
    void bucketsThatHaveRefilledAreForgotten() {
        dev.hubbub.core.limits.ClientIdRate rate = new dev.hubbub.core.limits.ClientIdRate(
                new ClientIdLimits(Map.of("app1", new ClientIdLimits.App(0, OnConnectionLimit.REFUSE, 10))), clock,
                new LimitBites(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
        for (int i = 0; i < 100; i++) {
            assertNull(rate.take("app1", Map.of("user" + i, 5), "test"));
        }
        assertEquals(100, rate.bucketCount());
        clock.advance(Duration.ofMillis(400)); // 4 of the 5 taken have come back: not full yet
        rate.sweep();
        assertEquals(100, rate.bucketCount());
        clock.advance(Duration.ofMillis(200));
        rate.sweep();
        assertEquals(0, rate.bucketCount(), "a full bucket is as good as a new one");
        assertNull(rate.take("app2", Map.of("x", 1000), "test"), "no limit in app2: nothing kept");
        assertEquals(0, rate.bucketCount());
    }

    private dev.hubbub.core.limits.ClientIdRate tenPerSecond() {
        return new dev.hubbub.core.limits.ClientIdRate(
                new ClientIdLimits(Map.of("app1", new ClientIdLimits.App(0, OnConnectionLimit.REFUSE, 10))), clock,
                new LimitBites(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
    }

    // Rule: publishing sweeps the buckets itself, at most once a second (not every few thousand publishes).
    @Test
    void publishingSweepsAtMostOnceASecond() {
        dev.hubbub.core.limits.ClientIdRate rate = tenPerSecond();
        for (int i = 0; i < 100; i++) {
            assertNull(rate.take("app1", Map.of("user" + i, 5), "test"));
        }
        clock.advance(Duration.ofMillis(900)); // all full again, but a second has not passed
        assertNull(rate.take("app1", Map.of("late", 1), "test"));
        assertEquals(101, rate.bucketCount(), "no sweep within the second");
        clock.advance(Duration.ofMillis(100 + dev.hubbub.core.limits.ClientIdRate.SWEEP_EVERY_MILLIS));
        assertNull(rate.take("app1", Map.of("later", 1), "test"));
        assertEquals(1, rate.bucketCount(), "the sweep came due: only the new bucket is left");
    }

    // Rule: a sweep racing publishes never hands out a clientId's second more than once: a publish
    // that found a bucket just as the sweep dropped it takes from its successor (the clock stands
    // still, so each person may publish exactly 10).
    @Test
    void aSweepRacingPublishesNeverAdmitsMoreThanTheRate() throws Exception {
        dev.hubbub.core.limits.ClientIdRate rate = tenPerSecond();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread sweeper = new Thread(() -> {
            while (!stop.get()) {
                rate.sweep();
            }
        });
        sweeper.start();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 3000; round++) {
                String person = "p" + round;
                java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                List<java.util.concurrent.Future<?>> takers = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    takers.add(pool.submit(() -> {
                        go.await();
                        for (int i = 0; i < 4; i++) {
                            if (rate.take("app1", Map.of(person, 1), "test") == null) {
                                admitted.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (java.util.concurrent.Future<?> f : takers) {
                    f.get();
                }
                assertEquals(10, admitted.get(), "round " + round);
            }
        } finally {
            stop.set(true);
            sweeper.join();
            pool.shutdownNow();
        }
    }
}
