package dev.hubbub.server.cluster;

import static dev.hubbub.server.cluster.ClusterFixture.TIMEOUT;
import static dev.hubbub.server.cluster.ClusterFixture.subscribed;
import static dev.hubbub.server.AblyJavaOps.succeeds;
import static dev.hubbub.server.cluster.ClusterFixture.uniqueChannel;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.testkit.RawWebSocket;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.types.Message;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Attaching during a Redis outage: a node that cannot set the channel up says so in a way the SDK
 * retries, and an attach is always answered. (Both failed before they were fixed: a channel ERROR
 * left the channel FAILED for good; a rewind that could not be read left the attach unanswered.)
 */
class ClusterOutageTest {
    private static final int A = 0, B = 1;

    /**
     * An ATTACH a node cannot set up while Redis is away (it has no subscription for the channel)
     * is answered with a channel ERROR 50002, which ably-java (RTL14) and ably-js take as FAILED:
     * a terminal state neither SDK leaves by itself, so the channel never attaches again once Redis
     * is back, and its subscriber silently receives nothing. A transient refusal should let the SDK
     * retry: DETACHED with the error (RTL13b: SUSPENDED, attach again after channelRetryTimeout).
     * This is also what a client told DISCONNECTED 50002 meets when it reconnects to a node that
     * no longer delivers (or never delivered) its channel during the outage.
     */
    @Test
    void anAttachRefusedDuringARedisOutageIsRetriedOnceRedisIsBack() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(2)) {
            String name = uniqueChannel("attach-in-outage");
            cluster.redis.kill();
            await().atMost(TIMEOUT).until(() -> cluster.ready(B) == 503);
            Channel channel = cluster.connected(B, "late").channels.get(name);
            List<Message> received = new CopyOnWriteArrayList<>();
            channel.subscribe(received::add); // attaches
            await().atMost(TIMEOUT).until(() -> channel.state != ChannelState.initialized && channel.state != ChannelState.attaching);

            cluster.redis.restart();
            await().atMost(TIMEOUT).until(() -> cluster.ready(A) == 200 && cluster.ready(B) == 200);
            await().atMost(TIMEOUT).untilAsserted(() -> assertEquals(ChannelState.attached, channel.state, // today: FAILED, 50002
                    () -> "reason: " + (channel.reason == null ? null : channel.reason.code + " " + channel.reason.message)));
            Channel out = cluster.connected(A, "pub").channels.get(name);
            succeeds(l -> out.publish("m", "after the outage", l));
            await().atMost(TIMEOUT).until(() -> received.size() == 1);
        }
    }

    /**
     * An ATTACH with rewind on a node that delivers the channel (so the attach does not wait for
     * Redis) while Redis is away: ClusterLog.latest throws (IllegalStateException from its await)
     * inside ChannelAttachments.attachInOrder, a task on the connection's Netty event loop, where
     * the exception is kept in the task's future and logged nowhere. The connection has been added
     * to the channel (router.attach ran) but never gets an answer: no ATTACHED, no error, until
     * the node tells it DISCONNECTED for the outage itself. It should get an answer at once (an
     * error the SDK retries on, or ATTACHED without the rewind).
     */
    @Test
    void anAttachWithRewindDuringARedisOutageIsAnswered() throws Exception {
        try (ClusterFixture cluster = ClusterFixture.start(2)) {
            String name = uniqueChannel("rewind-in-outage");
            Channel out = cluster.connected(A, "pub").channels.get(name);
            succeeds(l -> out.publish("m", "r1", l));
            subscribed(cluster.connected(B, "first").channels.get(name)); // node B delivers the channel
            RawWebSocket raw = cluster.raw(B);
            raw.awaitAction(4);

            cluster.redis.kill();
            await().atMost(TIMEOUT).until(() -> cluster.ready(B) == 503);
            var attach = RawWebSocket.JSON.createObjectNode().put("action", 10).put("channel", name);
            attach.putObject("params").put("rewind", "1");
            raw.send(attach);
            JsonNode first = raw.await("an answer to the ATTACH, or DISCONNECTED", f -> f.path("action").asInt() == 6
                    || name.equals(f.path("channel").asText()) && List.of(9, 11, 13).contains(f.path("action").asInt()));
            assertNotEquals(6, first.path("action").asInt(),
                    () -> "no answer to the ATTACH before the node gave up on Redis: " + raw.frames());
        }
    }
}
