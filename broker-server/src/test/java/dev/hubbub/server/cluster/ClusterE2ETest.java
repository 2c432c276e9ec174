package dev.hubbub.server.cluster;

import static dev.hubbub.server.cluster.ClusterFixture.KEY;
import static dev.hubbub.server.cluster.ClusterFixture.OTHER_APP_KEY;
import static dev.hubbub.server.cluster.ClusterFixture.TIMEOUT;
import static dev.hubbub.server.AblyJavaOps.completion;
import static dev.hubbub.server.AblyJavaOps.outcome;
import static dev.hubbub.server.cluster.ClusterFixture.subscribed;
import static dev.hubbub.server.AblyJavaOps.succeeds;
import static dev.hubbub.server.cluster.ClusterFixture.uniqueChannel;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.testkit.DroppingProxy;
import dev.hubbub.testkit.RawWebSocket;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelEvent;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ChannelStateListener.ChannelStateChange;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.realtime.ConnectionStateListener.ConnectionStateChange;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.ChannelOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.types.PaginatedResult;
import io.ably.lib.types.Param;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A cluster end to end with the real ably-java 1.2.54: three nodes (BrokerApp) on one real
 * redis-server, clients on different nodes, MessagePack to even nodes and JSON to odd ones
 * ({@link ClusterFixture}). Each test has its own Redis and nodes. Where ably-java cannot go (a
 * client moving to another node by itself), a raw WebSocket stands in.
 */
class ClusterE2ETest {
    private static final int A = 0, B = 1, C = 2;

    private static List<Object> data(List<Message> messages) { return messages.stream().map(m -> m.data).toList(); }

    private static List<String> names(Message[] messages) { return Arrays.stream(messages).map(m -> m.name).toList(); }

    /** A subscriber on one node, with what its connection and its channel went through. */
    static final class Watched {
        final AblyRealtime client;
        final Channel channel;
        final List<Message> received;
        final List<ConnectionStateChange> connection = new CopyOnWriteArrayList<>();
        final List<ChannelStateChange> channelChanges = new CopyOnWriteArrayList<>();

        Watched(ClusterFixture cluster, int node, String clientId, String name) throws Exception {
            client = cluster.connected(node, clientId);
            client.connection.on(connection::add);
            channel = client.channels.get(name);
            channel.on(channelChanges::add);
            received = subscribed(channel);
        }

        boolean saw(ConnectionState state) { return connection.stream().anyMatch(c -> c.current == state); }

        /** Whether the channel was told its continuity broke: an ATTACHED without RESUMED after its first one. */
        boolean toldOfDiscontinuity() {
            boolean first = true;
            for (ChannelStateChange c : channelChanges) {
                if (c.current == ChannelState.attached || c.event == ChannelEvent.update) {
                    if (!first && !c.resumed) {
                        return true;
                    }
                    first = false;
                }
            }
            return false;
        }

        boolean live() { return client.connection.state == ConnectionState.connected && channel.state == ChannelState.attached; }

        List<Object> data() { return ClusterE2ETest.data(received); }
    }

    /** 1: one publish, every node, the same message; and a REST publish on another node. */
    @Test
    void aMessagePublishedOnOneNodeReachesSubscribersOnTheOthersWithTheSameIdSerialAndData() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("fanout");
            List<Message> onA = subscribed(cluster.connected(A, "sub-a").channels.get(name));
            List<Message> onB = subscribed(cluster.connected(B, "sub-b").channels.get(name));
            List<Message> onC = subscribed(cluster.connected(C, "sub-c").channels.get(name));
            AblyRealtime publisher = cluster.connected(A, "pub");
            Channel out = publisher.channels.get(name);
            byte[] bytes = {0, 1, 2, (byte) 0xfe, (byte) 0xff};
            succeeds(l -> out.publish("text", "hello from A", l));
            succeeds(l -> out.publish("bytes", bytes, l));
            await().atMost(TIMEOUT).until(() -> onA.size() == 2 && onB.size() == 2 && onC.size() == 2);

            for (List<Message> got : List.of(onA, onB, onC)) {
                assertEquals("hello from A", got.get(0).data);
                assertArrayEquals(bytes, assertInstanceOf(byte[].class, got.get(1).data));
                for (int i = 0; i < 2; i++) {
                    Message m = got.get(i), ref = onB.get(i);
                    assertNotNull(m.id);
                    assertNotNull(m.serial, "every node sends the serial Redis gave");
                    assertEquals(ref.id, m.id);
                    assertEquals(ref.serial, m.serial);
                    assertEquals(ref.name, m.name);
                    assertEquals(ref.timestamp, m.timestamp);
                    assertEquals(publisher.connection.id, m.connectionId);
                    assertEquals("pub", m.clientId);
                }
            }
            assertFalse(onA.get(0).serial.equals(onA.get(1).serial));

            AblyRest rest = cluster.rest(C, KEY);
            rest.channels.get(name).publish("rest", "hello from C");
            await().atMost(TIMEOUT).until(() -> onA.size() == 3 && onB.size() == 3 && onC.size() == 3);
            Message fromC = onA.get(2);
            assertEquals("rest", fromC.name);
            assertEquals("hello from C", fromC.data);
            assertNotNull(fromC.serial);
            assertEquals(fromC.id, onB.get(2).id);
            assertEquals(fromC.serial, onC.get(2).serial);
        }
    }

    /** 2: three publishers on three nodes, one channel: one order for everyone, and each publisher's own. */
    @Test
    void threePublishersOnThreeNodesGiveEverySubscriberTheSameOrder() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("race");
            int each = 30;
            List<List<Message>> subscribers = new ArrayList<>();
            List<Channel> publishers = new ArrayList<>();
            for (int n = 0; n < 3; n++) {
                subscribers.add(subscribed(cluster.connected(n, "sub-" + n).channels.get(name)));
                Channel p = cluster.connected(n, "pub-" + n).channels.get(name);
                subscribed(p); // attached (and receiving everyone's messages too)
                publishers.add(p);
            }
            List<CompletableFuture<ErrorInfo>> outcomes = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int n = 0; n < 3; n++) {
                Channel p = publishers.get(n);
                String prefix = "p" + n + ":";
                threads.add(new Thread(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            int seq = i;
                            outcomes.add(completion(l -> p.publish("seq", prefix + seq, l)));
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "publisher-" + n));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join(TIMEOUT.toMillis());
            }
            await().atMost(TIMEOUT).until(() -> outcomes.size() == 3 * each && outcomes.stream().allMatch(CompletableFuture::isDone));
            for (CompletableFuture<ErrorInfo> o : outcomes) {
                assertNull(o.join(), () -> "a publish failed: " + o.join().code + " " + o.join().message);
            }
            await().atMost(TIMEOUT).until(() -> subscribers.stream().allMatch(s -> s.size() >= 3 * each));

            List<Object> order = data(subscribers.get(0));
            List<String> serials = subscribers.get(0).stream().map(m -> m.serial).toList();
            assertEquals(3 * each, order.size());
            assertEquals(3 * each, new HashSet<>(serials).size(), "a serial per message");
            for (List<Message> s : subscribers) {
                assertEquals(order, data(s), "one order on every node");
                assertEquals(serials, s.stream().map(m -> m.serial).toList());
            }
            for (int n = 0; n < 3; n++) {
                String prefix = "p" + n + ":";
                List<Object> own = order.stream().filter(d -> ((String) d).startsWith(prefix)).toList();
                List<Object> expected = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    expected.add(prefix + i);
                }
                assertEquals(expected, own, "publisher " + n + "'s own order");
            }
        }
    }

    /** 3: history on node C lists what was published on node A, newest first, page by page. */
    @Test
    void historyOnAnotherNodeListsNewestFirstAcrossPages() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("history");
            List<Message> onB = subscribed(cluster.connected(B, "sub-b").channels.get(name));
            Channel out = cluster.connected(A, "pub").channels.get(name);
            for (int i = 1; i <= 5; i++) {
                String n = "h" + i;
                succeeds(l -> out.publish(n, "data-" + n, l));
            }
            await().atMost(TIMEOUT).until(() -> onB.size() == 5);

            AblyRest rest = cluster.rest(C, KEY);
            PaginatedResult<Message> page = rest.channels.get(name).history(new Param[] {new Param("limit", "2")});
            List<List<String>> pages = new ArrayList<>();
            List<Message> all = new ArrayList<>();
            for (int n = 0; n < 10; n++) {
                pages.add(names(page.items()));
                all.addAll(List.of(page.items()));
                if (!page.hasNext()) {
                    break;
                }
                page = page.next();
            }
            assertEquals(List.of(List.of("h5", "h4"), List.of("h3", "h2"), List.of("h1")), pages);
            assertTrue(page.isLast());
            for (int i = 0; i < 5; i++) {
                Message stored = all.get(4 - i), live = onB.get(i);
                assertEquals(live.id, stored.id, "history has the message subscribers got");
                assertEquals(live.data, stored.data);
                assertEquals(live.timestamp, stored.timestamp);
            }
        }
    }

    /** 4: rewind=2 on node B replays the last two messages published earlier on node A, then live ones. */
    @Test
    void rewindOnAnotherNodeGetsTheLastMessagesPublishedEarlier() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("rewind");
            Channel out = cluster.connected(A, "pub").channels.get(name);
            for (int i = 1; i <= 3; i++) {
                String n = "r" + i;
                succeeds(l -> out.publish(n, n, l));
            }
            ChannelOptions options = new ChannelOptions();
            options.params = new HashMap<>(Map.of("rewind", "2"));
            List<Message> onB = subscribed(cluster.connected(B, "late").channels.get(name, options));
            succeeds(l -> out.publish("r4", "r4", l));
            await().atMost(TIMEOUT).untilAsserted(() -> assertEquals(List.of("r2", "r3", "r4"), data(onB)));
        }
    }

    /**
     * 5: Redis dies mid-traffic and comes back empty, soon enough that no client is told to go:
     * publishes fail meanwhile (50002/50003) and /ready says 503; afterwards /ready is 200, every
     * subscriber is attached, and every message whose publish succeeded reached every subscriber
     * that stayed connected, except at most the last few Redis took just before it died and had not
     * yet announced to that subscriber's node: Redis came back without them (no persistence), so a
     * subscriber missing one must have been told, by an ATTACHED without RESUMED (90003). One that
     * was disconnected after all was at least told the same way. Nothing is delivered twice.
     */
    @Test
    void redisRestartedMidTrafficLosesNoAcknowledgedMessage() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("restart");
            List<Watched> subscribers = new ArrayList<>();
            for (int n = 0; n < 3; n++) {
                subscribers.add(new Watched(cluster, n, "sub-" + n, name));
            }
            Channel out = cluster.connected(A, "pub").channels.get(name);
            subscribed(out);
            Traffic traffic = new Traffic(out);
            Set<Object> ackedBefore;
            try {
                await().atMost(TIMEOUT).until(() -> traffic.acked().size() >= 10);

                ackedBefore = traffic.acked();
                cluster.redis.kill();
                ErrorInfo refused = outcome(l -> out.publish("probe", "while Redis is down", l));
                assertNotNull(refused, "a publish while Redis is down fails");
                assertTrue(refused.code == 50002 || refused.code == 50003, () -> refused.code + " " + refused.message);
                await().atMost(TIMEOUT).until(() -> cluster.ready(B) == 503);
                cluster.redis.restart();

                for (int n = 0; n < 3; n++) {
                    int node = n;
                    await().atMost(TIMEOUT).until(() -> cluster.ready(node) == 200);
                }
                await().atMost(TIMEOUT).until(() -> subscribers.stream().allMatch(Watched::live));
                int ackedNow = traffic.acked().size();
                await().atMost(TIMEOUT).until(() -> traffic.acked().size() >= ackedNow + 5); // traffic flows again
            } finally {
                traffic.stop();
            }
            succeeds(l -> out.publish("final", "after the restart", l));
            await().atMost(TIMEOUT).until(() -> subscribers.stream().allMatch(s -> s.data().contains("after the restart")));
            await().atMost(TIMEOUT).until(traffic::settled);

            Set<Object> acked = traffic.acked();
            int stayed = 0;
            for (Watched s : subscribers) {
                List<Object> got = s.data();
                assertEquals(got.size(), new HashSet<>(got).size(), () -> "delivered twice: " + got);
                assertTrue(got.containsAll(ackedBefore), "everything acknowledged before Redis died was delivered");
                Set<Object> missing = new HashSet<>(acked);
                got.forEach(missing::remove);
                if (!s.saw(ConnectionState.disconnected)) {
                    stayed++;
                    // a message Redis took just before it died may not have been announced to every node yet; Redis came
                    // back without it (no persistence), so no node can deliver it: the subscriber must have been told
                    assertTrue(missing.isEmpty() || (missing.size() <= 3 && s.toldOfDiscontinuity()),
                            () -> "acknowledged but not delivered, silently, to a subscriber that stayed connected: "
                                    + missing + " (failed publishes: " + traffic.failed() + ")");
                } else {
                    assertTrue(missing.isEmpty() || s.toldOfDiscontinuity(), () -> "lost silently: " + missing);
                }
            }
            assertTrue(stayed > 0, "the outage was short enough for someone to stay connected");
            assertTrue(traffic.failed().size() < acked.size(), "most publishes succeeded: " + traffic.failed());
        }
    }

    /**
     * 5b: Redis away for longer than the unreachable bound (2 s): every client is told DISCONNECTED
     * (50002) and ably-java reconnects by itself, to CONNECTED and attached, and receives again.
     */
    @Test
    void aRedisOutageLongerThanTheBoundDisconnectsClientsWhichComeBackByThemselves() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("outage");
            List<Watched> subscribers = new ArrayList<>();
            for (int n = 0; n < 3; n++) {
                subscribers.add(new Watched(cluster, n, "sub-" + n, name));
            }
            Channel out = cluster.connected(C, "pub").channels.get(name);
            succeeds(l -> out.publish("before", "before", l));
            await().atMost(TIMEOUT).until(() -> subscribers.stream().allMatch(s -> s.data().contains("before")));

            cluster.redis.kill();
            await().atMost(TIMEOUT).until(() -> cluster.ready(A) == 503);
            await().atMost(TIMEOUT).until(() -> subscribers.stream().allMatch(s -> s.saw(ConnectionState.disconnected)));
            for (Watched s : subscribers) {
                ConnectionStateChange told = s.connection.stream().filter(c -> c.current == ConnectionState.disconnected)
                        .findFirst().orElseThrow();
                assertNotNull(told.reason);
                assertEquals(50002, told.reason.code, told.reason.message);
            }
            cluster.redis.restart();

            for (int n = 0; n < 3; n++) {
                int node = n;
                await().atMost(TIMEOUT).until(() -> cluster.ready(node) == 200);
            }
            await().atMost(TIMEOUT).until(() -> subscribers.stream().allMatch(Watched::live));
            succeeds(l -> out.publish("after", "after", l));
            await().atMost(TIMEOUT).until(() -> subscribers.stream().allMatch(s -> s.data().contains("after")));
            for (Watched s : subscribers) {
                assertEquals(1, s.data().stream().filter("after"::equals).count());
            }
        }
    }

    /** 6: app2's subscriber on node B sees nothing of app1's channel of the same name published on node A. */
    @Test
    void appsStayApartAcrossNodes() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("shared-name");
            List<Message> app1OnB = subscribed(cluster.connected(B, "app1-sub").channels.get(name));
            List<Message> app2OnB = subscribed(cluster.connected(cluster.options(B, OTHER_APP_KEY, "app2-sub")).channels.get(name));
            Channel app1Out = cluster.connected(A, "app1-pub").channels.get(name);
            succeeds(l -> app1Out.publish("app1", "for app1 only", l));
            cluster.rest(C, KEY).channels.get(name).publish("app1-rest", "for app1 only too");
            await().atMost(TIMEOUT).until(() -> app1OnB.size() == 2); // both reached node B

            Channel app2Out = cluster.connected(cluster.options(A, OTHER_APP_KEY, "app2-pub")).channels.get(name);
            succeeds(l -> app2Out.publish("app2", "for app2", l));
            await().atMost(TIMEOUT).until(() -> app2OnB.size() >= 1 && app1OnB.size() >= 2);
            assertEquals(List.of("for app2"), data(app2OnB));
            assertEquals(List.of("for app1 only", "for app1 only too"), data(app1OnB));
            assertEquals(List.of("app2"), names(cluster.rest(C, OTHER_APP_KEY).channels.get(name).history(null).items()));
        }
    }

    /**
     * 7: a node goes away; its client comes back on another node and re-attaches from the
     * channelSerial it had, and gets everything published meanwhile on a third node, nothing lost.
     * A raw WebSocket: ably-java 1.2.54 cannot move to another node by itself (its fallback hosts
     * share the primary's port, and it only tries them after a connectivity check against
     * internet-up.ably-realtime.com over HTTPS succeeds).
     */
    @Test
    void aClientOfANodeThatWentAwayReattachesOnAnotherFromItsChannelSerial() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("moving");
            Channel out = cluster.connected(C, "pub").channels.get(name);
            RawWebSocket onA = cluster.raw(A);
            onA.awaitAction(4);
            onA.attach(name);
            succeeds(l -> out.publish("m", "seen-1", l));
            JsonNode seen = onA.await("seen-1", f -> f.path("action").asInt() == 15);
            String serial = seen.path("channelSerial").asText(null);
            assertNotNull(serial, seen::toString);

            cluster.stopNode(A);
            await().atMost(TIMEOUT).until(onA::isClosed);
            for (int i = 1; i <= 3; i++) {
                String d = "missed-" + i;
                succeeds(l -> out.publish("m", d, l));
            }

            RawWebSocket onB = cluster.raw(B);
            onB.awaitAction(4);
            onB.send(RawWebSocket.JSON.createObjectNode().put("action", 10).put("channel", name).put("channelSerial", serial));
            JsonNode attached = onB.await("ATTACHED", f -> f.path("action").asInt() == 11);
            assertTrue((attached.path("flags").asInt() & 4) != 0, () -> "RESUMED: " + attached);
            assertTrue(attached.path("error").isMissingNode(), attached::toString);
            succeeds(l -> out.publish("m", "live", l));
            await().atMost(TIMEOUT).untilAsserted(() -> assertEquals(List.of("missed-1", "missed-2", "missed-3", "live"),
                    onB.deliveredData(name)));
        }
    }

    /**
     * 8: one node (B) cut off from Redis for a moment (its connections reset, new ones refused)
     * misses announcements: once back, it fills what it missed from the channel's log, in order,
     * for its subscribers, who stayed connected and are told of no discontinuity. Then again while
     * Redis loses everything (FLUSHALL: a restart B did not see): B's subscribers are told the
     * continuity broke (Redis lost the log) and get the new log from its first message.
     */
    @Test
    void aNodeCutOffFromRedisCatchesUpFromTheLogEvenAfterRedisLostItsState() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3, Set.of(B))) {
            String name = uniqueChannel("cut-off");
            Watched onB = new Watched(cluster, B, "sub-b", name);
            Watched onC = new Watched(cluster, C, "sub-c", name);
            Channel out = cluster.connected(A, "pub").channels.get(name);
            succeeds(l -> out.publish("m", "before", l));
            await().atMost(TIMEOUT).until(() -> onB.data().contains("before") && onC.data().contains("before"));
            DroppingProxy toRedis = cluster.redisProxy(B);

            toRedis.refuseNew();
            toRedis.cutAll(DroppingProxy.BrokerSide.CLOSE);
            for (String d : List.of("g1", "g2", "g3")) {
                succeeds(l -> out.publish("m", d, l));
            }
            toRedis.admitNew();
            await().atMost(TIMEOUT).untilAsserted(() -> assertEquals(List.of("before", "g1", "g2", "g3"), onB.data()));
            assertFalse(onB.toldOfDiscontinuity(), "nothing was lost: " + onB.channelChanges);

            toRedis.refuseNew();
            toRedis.cutAll(DroppingProxy.BrokerSide.CLOSE);
            cluster.redis.command("FLUSHALL");
            for (String d : List.of("n1", "n2", "n3")) {
                succeeds(l -> out.publish("m", d, l));
            }
            toRedis.admitNew();
            succeeds(l -> out.publish("m", "last", l));
            List<Object> all = List.of("before", "g1", "g2", "g3", "n1", "n2", "n3", "last");
            await().atMost(TIMEOUT).untilAsserted(() -> assertEquals(all, onC.data()));
            await().atMost(TIMEOUT).untilAsserted(() -> assertEquals(all, onB.data()));
            assertTrue(onB.toldOfDiscontinuity(), () -> "Redis lost the channel's log: " + onB.channelChanges);
            assertFalse(onB.saw(ConnectionState.disconnected), "B's cut was shorter than the unreachable bound");
        }
    }

    /**
     * A publisher going on at its own pace (every 40 ms) on a scheduler: each message's data is
     * {@code t-N}; what was ACKed and what failed are recorded as the answers come.
     */
    static final class Traffic {
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final AtomicInteger next = new AtomicInteger();
        private final Map<Object, CompletableFuture<ErrorInfo>> sent = new ConcurrentHashMap<>();

        Traffic(Channel channel) {
            timer.scheduleAtFixedRate(() -> {
                String d = "t-" + next.getAndIncrement();
                try {
                    sent.put(d, completion(l -> channel.publish("t", d, l)));
                } catch (Exception e) {
                    sent.put(d, CompletableFuture.completedFuture(new ErrorInfo(e.toString(), 0)));
                }
            }, 0, 40, TimeUnit.MILLISECONDS);
        }

        Set<Object> acked() {
            Set<Object> ok = new HashSet<>();
            sent.forEach((d, f) -> {
                if (f.isDone() && f.join() == null) {
                    ok.add(d);
                }
            });
            return ok;
        }

        Map<Object, Integer> failed() {
            Map<Object, Integer> bad = new HashMap<>();
            sent.forEach((d, f) -> {
                if (f.isDone() && f.join() != null) {
                    bad.put(d, f.join().code);
                }
            });
            return bad;
        }

        /** Every publish has its answer. */
        boolean settled() { return sent.values().stream().allMatch(CompletableFuture::isDone); }

        void stop() throws InterruptedException {
            timer.shutdownNow();
            timer.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
