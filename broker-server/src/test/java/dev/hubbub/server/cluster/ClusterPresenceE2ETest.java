package dev.hubbub.server.cluster;

import static dev.hubbub.server.cluster.ClusterFixture.TIMEOUT;
import static dev.hubbub.server.AblyJavaOps.succeeds;
import static dev.hubbub.server.cluster.ClusterFixture.uniqueChannel;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.PresenceMessage;
import io.ably.lib.types.PresenceMessage.Action;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Presence across a cluster with the real ably-java 1.2.54 ({@link ClusterFixture}: three nodes on
 * one real redis-server, MessagePack to even nodes and JSON to odd ones): a member entered on one
 * node is seen entering, updating and leaving by a subscriber on another and is listed by
 * {@code presence.get()} on a third; and the members of a node that dies without a word leave,
 * once, everywhere else, once its heartbeat has been silent for {@code presenceDeadAfter}. Core
 * level, the same is covered by {@code dev.hubbub.cluster.ClusterPresenceTest}; here the SDK's own
 * presence map and SYNC take part.
 */
class ClusterPresenceE2ETest {
    private static final int A = 0, B = 1, C = 2;
    /** The dead-after time of the node-death test: heartbeats every 187 ms, reaping every 500 ms. */
    private static final long DEAD_AFTER = 1_500;

    /** Attaches {@code channel}, recording every presence event it is told, in order. */
    private static List<PresenceMessage> watched(Channel channel) throws AblyException {
        List<PresenceMessage> events = new CopyOnWriteArrayList<>();
        channel.presence.subscribe(events::add); // attaches
        await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached);
        return events;
    }

    private static Predicate<PresenceMessage> is(Action action, String clientId) {
        return p -> p.action == action && clientId.equals(p.clientId);
    }

    private static PresenceMessage awaitEvent(String what, List<PresenceMessage> events, Predicate<PresenceMessage> match) {
        await(what).atMost(TIMEOUT).until(() -> events.stream().anyMatch(match));
        return events.stream().filter(match).findFirst().orElseThrow();
    }

    private static long count(List<PresenceMessage> events, Predicate<PresenceMessage> match) {
        return events.stream().filter(match).count();
    }

    /** {@code presence.get()} after the SYNC (bounded: a SYNC that never ends fails the test instead of hanging it). */
    private static PresenceMessage[] get(Channel channel) {
        return assertTimeoutPreemptively(TIMEOUT, () -> channel.presence.get(true));
    }

    private static List<String> members(Channel channel) {
        return Arrays.stream(get(channel)).map(p -> p.clientId).sorted().toList();
    }

    /**
     * alice enters on node A, updates, leaves: a subscriber on node B is told ENTER, UPDATE and
     * LEAVE, with her connection and data; a client attaching on node C after she entered gets her
     * in its SYNC ({@code presence.get()}), with her latest data, and not after she left.
     */
    @Test
    void aMemberEnteredOnOneNodeIsSeenOnAnotherAndListedOnAThird() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3)) {
            String name = uniqueChannel("presence");
            List<PresenceMessage> seenOnB = watched(cluster.connected(B, "watcher-b").channels.get(name));
            AblyRealtime alice = cluster.connected(A, "alice");
            Channel onA = alice.channels.get(name);

            succeeds(l -> onA.presence.enter("hello", l));
            PresenceMessage enter = awaitEvent("alice's ENTER on B", seenOnB, is(Action.enter, "alice"));
            assertEquals("hello", enter.data);
            assertEquals(alice.connection.id, enter.connectionId);
            Channel onC = cluster.connected(C, "reader-c").channels.get(name);
            succeeds(onC::attach);
            await("alice listed on C").atMost(TIMEOUT).until(() -> members(onC).equals(List.of("alice")));
            PresenceMessage listed = get(onC)[0];
            assertEquals("hello", listed.data);
            assertEquals(alice.connection.id, listed.connectionId);

            succeeds(l -> onA.presence.update("busy", l));
            assertEquals("busy", awaitEvent("alice's UPDATE on B", seenOnB, is(Action.update, "alice")).data);
            await("alice's new data on C").atMost(TIMEOUT).until(() -> "busy".equals(get(onC)[0].data));

            succeeds(l -> onA.presence.leave(l));
            awaitEvent("alice's LEAVE on B", seenOnB, is(Action.leave, "alice"));
            await("alice gone from C").atMost(TIMEOUT).until(() -> members(onC).isEmpty());
            assertEquals(List.of(Action.enter, Action.update, Action.leave),
                    seenOnB.stream().filter(p -> "alice".equals(p.clientId)).map(p -> p.action).toList());
        }
    }

    /**
     * Node A dies with alice present on it; bob, on node C, stays. Subscribers on B and C are each
     * told alice LEAVE exactly once (the same LEAVE, one id), stamped at least {@code presenceDeadAfter}
     * after A's last heartbeat as Redis has it (so it is the survivors' reaping, not something A
     * said as it went); C's {@code presence.get()} then lists bob only.
     *
     * <p>How the death approximates {@code kill -9} in one JVM ({@link ClusterFixture#killNode}):
     * node A's cluster connection is closed first ({@code app.cluster().close()}), which stops its
     * heartbeat and closes every Redis connection it has; only then does the node itself close. A's
     * other nodes learn everything through Redis, so from that moment A can tell them nothing, just
     * as a killed process could not: the LEAVEs A's presence would relay for alice as her
     * connection closes, and the state of her connection, fail against the closed connections
     * instead of reaching Redis. What differs from a real kill (her client's TCP connection ended
     * by the node rather than by the kernel; a command already queued in Lettuce perhaps not sent)
     * is nothing the other nodes see: the test kills A only once alice's ENTER has been seen on
     * both.
     *
     * <p>"Exactly once" is checked after the reaping is over: a node's entry in the heartbeat set
     * ({@code hb:nodes}) is removed once all its members have left, and no node reaps a node that
     * is not in it; then bob updates as a marker, which the subscribers see after anything reaped
     * before it (one channel, one order). Last, Redis's members hash (what a node that starts
     * delivering the channel later is seeded with) holds bob only.
     */
    @Test
    void theMembersOfANodeThatDiedLeaveOnceOnEveryOtherNode() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(3, Set.of(), s -> s.withPresenceDeadAfter(DEAD_AFTER))) {
            String name = uniqueChannel("node-death");
            List<PresenceMessage> seenOnB = watched(cluster.connected(B, "watcher-b").channels.get(name));
            Channel watcherC = cluster.connected(C, "watcher-c").channels.get(name);
            List<PresenceMessage> seenOnC = watched(watcherC);
            Channel alice = cluster.connected(A, "alice").channels.get(name);
            succeeds(l -> alice.presence.enter("on A", l));
            Channel bob = cluster.connected(C, "bob").channels.get(name);
            succeeds(l -> bob.presence.enter("on C", l));
            for (List<PresenceMessage> seen : List.of(seenOnB, seenOnC)) {
                awaitEvent("alice's ENTER", seen, is(Action.enter, "alice"));
                awaitEvent("bob's ENTER", seen, is(Action.enter, "bob"));
            }
            await("alice and bob listed on C").atMost(TIMEOUT).until(() -> members(watcherC).equals(List.of("alice", "bob")));

            cluster.killNode(A);
            long lastBeat = (long) Double.parseDouble(cluster.redis.command("ZSCORE", "hb:nodes", "node-" + A));
            await("alice's LEAVE on B and on C").atMost(Duration.ofSeconds(30))
                    .until(() -> count(seenOnB, is(Action.leave, "alice")) >= 1 && count(seenOnC, is(Action.leave, "alice")) >= 1);
            PresenceMessage leave = seenOnB.stream().filter(is(Action.leave, "alice")).findFirst().orElseThrow();
            assertTrue(leave.timestamp >= lastBeat + DEAD_AFTER, () -> "alice left " + (leave.timestamp - lastBeat)
                    + " ms after node A's last heartbeat: not by reaping, which waits " + DEAD_AFTER + " ms");
            assertEquals("on A", leave.data, "a LEAVE carries the member's last data");
            assertEquals(leave.id, seenOnC.stream().filter(is(Action.leave, "alice")).findFirst().orElseThrow().id,
                    "one LEAVE, told on both nodes");

            await("node A's heartbeat entry removed by the reaper").atMost(TIMEOUT).until(() -> cluster.redis.command("ZSCORE", "hb:nodes", "node-" + A) == null);
            succeeds(l -> bob.presence.update("marker", l));
            for (List<PresenceMessage> seen : List.of(seenOnB, seenOnC)) {
                awaitEvent("bob's marker UPDATE", seen, is(Action.update, "bob"));
                assertEquals(1, count(seen, is(Action.leave, "alice")), () -> "alice's LEAVEs: " + seen);
                assertEquals(0, count(seen, is(Action.leave, "bob")), () -> "bob is on a live node: " + seen);
            }
            assertEquals(List.of("bob"), members(watcherC));
            assertEquals("marker", get(watcherC)[0].data);
            // and the shared members, which a node that starts delivering the channel later begins from
            String shared = cluster.redis.command("HVALS", "hb:{app1|" + name + "}:p");
            assertTrue(shared.contains("\"bob\"") && !shared.contains("\"alice\""), shared);
        }
    }
}
