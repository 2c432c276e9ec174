package dev.hubbub.server.continuity;

import static dev.hubbub.server.continuity.ContinuityBroker.KEY;
import static dev.hubbub.server.continuity.ContinuityBroker.OTHER_APP_KEY;
import static dev.hubbub.server.continuity.ContinuityBroker.TIMEOUT;
import static dev.hubbub.server.continuity.ContinuityBroker.rewind;
import static dev.hubbub.server.continuity.ContinuityBroker.subscribed;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.ChannelOptions;
import io.ably.lib.types.Message;
import io.ably.lib.types.PaginatedResult;
import io.ably.lib.types.Param;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * History (RSL2, RTL10), rewind (RTL4k) and idempotent REST publishing (RSL1k) with the real
 * ably-java 1.2.54, JSON and MessagePack, against a broker whose clock the test moves.
 */
class AblyJavaHistoryTest extends ContinuityTestBase {
    @BeforeEach
    void start() throws Exception { broker = new ContinuityBroker(); }

    private static List<String> names(Message[] items) { return Arrays.stream(items).map(m -> m.name).toList(); }

    private static List<String> names(List<Message> items) { return items.stream().map(m -> m.name).toList(); }

    /** A realtime subscriber on {@code name} (with channel options, or null), attached. */
    private List<Message> subscriber(String clientId, boolean binary, String name, ChannelOptions options) throws Exception {
        AblyRealtime client = broker.connected(clientId, binary, false);
        return subscribed(options == null ? client.channels.get(name) : client.channels.get(name, options));
    }

    /** Seven messages, p1..p7, read back three at a time both ways through PaginatedResult.next(). */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void restHistoryPagesBothWays(boolean binary) throws Exception {
        String name = ContinuityBroker.uniqueChannel("history");
        AblyRest rest = broker.rest(KEY, binary, o -> { });
        var channel = rest.channels.get(name);
        for (int i = 1; i <= 7; i++) {
            channel.publish("p" + i, "data-" + i);
        }

        List<List<String>> backwards = pages(channel.history(new Param[] {new Param("limit", "3")}));
        assertEquals(List.of(List.of("p7", "p6", "p5"), List.of("p4", "p3", "p2"), List.of("p1")), backwards);
        List<List<String>> forwards = pages(channel.history(new Param[] {new Param("limit", "3"),
                new Param("direction", "forwards")}));
        assertEquals(List.of(List.of("p1", "p2", "p3"), List.of("p4", "p5", "p6"), List.of("p7")), forwards);

        Message first = channel.history(new Param[] {new Param("direction", "forwards"), new Param("limit", "1")}).items()[0];
        assertEquals("data-1", first.data);
        assertNotNull(first.id);
        assertTrue(first.timestamp > 0);

        AblyRest elsewhere = broker.rest(OTHER_APP_KEY, binary, o -> { });
        assertEquals(0, elsewhere.channels.get(name).history(null).items().length, "another app's channel of that name is empty");
    }

    private static List<List<String>> pages(PaginatedResult<Message> page) throws Exception {
        List<List<String>> all = new ArrayList<>();
        for (int n = 0; n < 10; n++) {
            all.add(names(page.items()));
            if (!page.hasNext()) {
                assertTrue(page.isLast());
                return all;
            }
            assertFalse(page.isLast());
            page = page.next();
        }
        throw new AssertionError("more than 10 pages: " + all);
    }

    /** RTL10b: untilAttach gives what was published up to the attach, nothing after it. */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void realtimeHistoryUntilAttach(boolean binary) throws Exception {
        String name = ContinuityBroker.uniqueChannel("until");
        AblyRest rest = broker.rest(KEY, binary, o -> { });
        for (int i = 1; i <= 3; i++) {
            rest.channels.get(name).publish("before-" + i, "b");
        }
        AblyRealtime reader = broker.connected("reader", binary, false);
        Channel channel = reader.channels.get(name);
        List<Message> live = subscribed(channel);
        rest.channels.get(name).publish("after-1", "a");
        rest.channels.get(name).publish("after-2", "a");
        await().atMost(TIMEOUT).until(() -> live.size() == 2); // both are in the log now

        assertEquals(List.of("before-3", "before-2", "before-1"),
                names(channel.history(new Param[] {new Param("untilAttach", "true")}).items()));
        assertEquals(List.of("after-2", "after-1", "before-3", "before-2", "before-1"), names(channel.history(null).items()));
        assertEquals(List.of("before-1", "before-2"), names(channel.history(new Param[] {new Param("untilAttach", "true"),
                new Param("direction", "forwards"), new Param("limit", "2")}).items()));
    }

    /** RTL4k: ChannelOptions.params rewind by count ("3") and by time ("30s", "2m" on the broker's clock). */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void rewindByCountAndByTime(boolean binary) throws Exception {
        String name = ContinuityBroker.uniqueChannel("rewind");
        AblyRest rest = broker.rest(KEY, binary, o -> { });
        rest.channels.get(name).publish("old-1", "o");
        rest.channels.get(name).publish("old-2", "o");
        broker.time.advance(Duration.ofSeconds(60));
        for (int i = 1; i <= 3; i++) {
            rest.channels.get(name).publish("new-" + i, "n");
        }

        List<Message> byCount = subscriber("count", binary, name, rewind("3"));
        List<Message> bySeconds = subscriber("seconds", binary, name, rewind("30s"));
        List<Message> byMinutes = subscriber("minutes", binary, name, rewind("2m"));
        List<Message> plain = subscriber("plain", binary, name, null);
        rest.channels.get(name).publish("live", "l");
        await().atMost(TIMEOUT).until(() -> plain.size() == 1 && byCount.size() >= 4 && bySeconds.size() >= 4
                && byMinutes.size() >= 6);
        assertEquals(List.of("new-1", "new-2", "new-3", "live"), names(byCount));
        assertEquals(List.of("new-1", "new-2", "new-3", "live"), names(bySeconds));
        assertEquals(List.of("old-1", "old-2", "new-1", "new-2", "new-3", "live"), names(byMinutes));
        assertEquals(List.of("live"), names(plain));
    }

    /** RSL1k2: a REST publish retried with the same client-supplied ids is delivered and stored once. */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void restPublishWithTheSameIdsTwiceIsDeliveredOnce(boolean binary) throws Exception {
        String name = ContinuityBroker.uniqueChannel("idem");
        List<Message> received = subscriber("sub", binary, name, null);
        AblyRest rest = broker.rest(KEY, binary, o -> { });
        for (int attempt = 0; attempt < 2; attempt++) {
            Message a = new Message("a", "first");
            a.id = "client-chosen-a";
            Message b = new Message("b", "second");
            b.id = "client-chosen-b";
            rest.channels.get(name).publish(new Message[] {a, b});
        }
        rest.channels.get(name).publish("marker", "m");
        await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(m -> "marker".equals(m.name)));
        assertEquals(List.of("a", "b", "marker"), names(received), "the retried batch was delivered again");
        assertEquals("client-chosen-a", received.get(0).id);
        assertEquals("client-chosen-b", received.get(1).id);
        Message[] stored = rest.channels.get(name).history(new Param[] {new Param("direction", "forwards")}).items();
        assertEquals(List.of("a", "b", "marker"), names(stored));
        assertEquals("client-chosen-a", stored[0].id);

        AblyRest elsewhere = broker.rest(OTHER_APP_KEY, binary, o -> { });
        assertEquals(0, elsewhere.channels.get(name).history(null).items().length, "another app's channel of that name is empty");
    }

    /**
     * RSL1k1: with idempotentRestPublishing ably-java gives the batch one random base and ids
     * {@code base:index}, written into the Message objects; publishing the same objects again
     * (a retry) sends the same ids: delivered and stored once.
     */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void libraryGeneratedIdsMakeARetryHarmless(boolean binary) throws Exception {
        String name = ContinuityBroker.uniqueChannel("idem-gen");
        List<Message> received = subscriber("sub", binary, name, null);
        AblyRest rest = broker.rest(KEY, binary, o -> o.idempotentRestPublishing = true);
        Message[] batch = {new Message("x", "1"), new Message("y", "2")};
        rest.channels.get(name).publish(batch);
        assertNotNull(batch[0].id, "ably-java generated ids");
        assertTrue(batch[0].id.endsWith(":0") && batch[1].id.endsWith(":1"), batch[0].id + " " + batch[1].id);
        rest.channels.get(name).publish(batch);
        rest.channels.get(name).publish("marker", "m");
        await().atMost(TIMEOUT).until(() -> received.stream().anyMatch(m -> "marker".equals(m.name)));
        assertEquals(List.of("x", "y", "marker"), names(received));
        assertEquals(batch[0].id, received.get(0).id);
        assertEquals(List.of("marker", "y", "x"), names(rest.channels.get(name).history(null).items()));
    }
}
