package dev.hubbub.transport.ws;

import static dev.hubbub.transport.ws.WsFrames.actions;
import static dev.hubbub.transport.ws.WsFrames.binary;
import static dev.hubbub.transport.ws.WsFrames.drain;
import static dev.hubbub.transport.ws.WsFrames.drainData;
import static dev.hubbub.transport.ws.WsFrames.msgpack;
import static dev.hubbub.transport.ws.WsFrames.parse;
import static dev.hubbub.transport.ws.WsFrames.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.transport.TestBroker;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The inbound bridge: WebSocket frames in, session frames out, on an EmbeddedChannel. */
class RealtimeHandlerTest {
    private static final long BACKLOG = 8L * 1024 * 1024;
    private static final long LINGER = 1000;

    private final TestBroker core = new TestBroker();
    private final List<EmbeddedChannel> channels = new java.util.ArrayList<>();

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private EmbeddedChannel connect(String key, String clientId, WireFormat format) {
        ConnectRequest request = new ConnectRequest(key, null, clientId, format == WireFormat.JSON ? "json" : "msgpack", "2",
                true, null, null, "embedded");
        EmbeddedChannel ch = new EmbeddedChannel(new RealtimeHandler(core.connector, request, ProtocolCodec.of(format), core.limits, BACKLOG, LINGER));
        channels.add(ch);
        return ch;
    }

    /** Lets the close linger run out: what the broker does when the client does not close by itself. */
    private static void lingerPasses(EmbeddedChannel ch) {
        ch.advanceTimeBy(LINGER, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    /** The last frame went out and the connection waits for the client; after the linger, a Close frame and the close. */
    private static void assertClosedAfterTheLinger(EmbeddedChannel ch) {
        assertTrue(ch.isOpen(), "the client gets time to read the last frame and close by itself");
        lingerPasses(ch);
        List<Object> out = drain(ch);
        assertEquals(1, out.size(), out::toString);
        assertInstanceOf(CloseWebSocketFrame.class, out.get(0));
        ((CloseWebSocketFrame) out.get(0)).release();
        assertFalse(ch.isOpen());
    }

    /** Connects and checks the CONNECTED frame. */
    private EmbeddedChannel connected(String clientId, WireFormat format) {
        EmbeddedChannel ch = connect(TestBroker.FULL_KEY, clientId, format);
        List<JsonNode> frames = drainData(ch);
        assertEquals(List.of(4), actions(frames), frames::toString);
        return ch;
    }

    @Test
    void connectsOnHandlerAddedWithConnectedInATextFrame() {
        EmbeddedChannel ch = connect(TestBroker.FULL_KEY, "alice", WireFormat.JSON);
        Object first = OutboundFrames.asFrame(ch.readOutbound());
        assertInstanceOf(TextWebSocketFrame.class, first);
        JsonNode connected = parse((TextWebSocketFrame) first);
        assertEquals(4, connected.path("action").asInt());
        assertEquals("alice", connected.path("connectionDetails").path("clientId").asText());
        assertFalse(connected.path("connectionId").asText().contains(":"));
        assertEquals(1, core.metrics.connections());
    }

    @Test
    void textFrameInSessionFrameOut() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.writeInbound(text("{\"action\":10,\"channel\":\"room\"}"));
        Object out = OutboundFrames.asFrame(ch.readOutbound());
        assertInstanceOf(TextWebSocketFrame.class, out);
        JsonNode attached = parse((TextWebSocketFrame) out);
        assertEquals(11, attached.path("action").asInt());
        assertEquals("room", attached.path("channel").asText());
        assertEquals(1, core.router.channelCount());
    }

    @Test
    void jsonInABinaryFrameIsDecodedByFormatNotOpcode() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        // what ably-java sends: UTF-8 JSON in a binary frame, with its extra zero fields
        ch.writeInbound(binary("{\"action\":10,\"flags\":0,\"count\":0,\"channel\":\"ja\",\"timestamp\":0}"));
        ch.writeInbound(binary("{\"action\":15,\"flags\":0,\"count\":0,\"channel\":\"ja\",\"msgSerial\":0,\"timestamp\":0,"
                + "\"messages\":[{\"data\":\"hello\",\"name\":\"greeting\"}]}"));
        List<Object> out = drain(ch);
        out.forEach(o -> assertInstanceOf(TextWebSocketFrame.class, o, "JSON goes out in text frames"));
        List<JsonNode> frames = out.stream().map(o -> parse((TextWebSocketFrame) o)).toList();
        // ATTACHED, then the echoed MESSAGE and the ACK (in either order)
        assertEquals(11, frames.get(0).path("action").asInt());
        assertTrue(actions(frames).containsAll(List.of(15, 1)), frames::toString);
        JsonNode message = frames.stream().filter(f -> f.path("action").asInt() == 15).findFirst().orElseThrow();
        assertEquals("alice", message.path("messages").get(0).path("clientId").asText());
    }

    @Test
    void msgpackConnectionReadsAndWritesBinaryFrames() {
        EmbeddedChannel ch = connect(TestBroker.FULL_KEY, "alice", WireFormat.MSGPACK);
        Object connected = OutboundFrames.asFrame(ch.readOutbound());
        assertInstanceOf(BinaryWebSocketFrame.class, connected);
        assertEquals("alice", parse((BinaryWebSocketFrame) connected).path("connectionDetails").path("clientId").asText());

        ch.writeInbound(msgpack("{\"action\":10,\"channel\":\"room\"}"));
        Object attached = OutboundFrames.asFrame(ch.readOutbound());
        assertInstanceOf(BinaryWebSocketFrame.class, attached);
        assertEquals(11, parse((BinaryWebSocketFrame) attached).path("action").asInt());
    }

    @Test
    void sharedFrameReachesJsonAndMsgpackSubscribersInTheirFormats() {
        EmbeddedChannel json = connected("j", WireFormat.JSON);
        EmbeddedChannel mp = connect(TestBroker.FULL_KEY, "m", WireFormat.MSGPACK);
        drain(mp).forEach(io.netty.util.ReferenceCountUtil::release);
        json.writeInbound(text("{\"action\":10,\"channel\":\"room\"}"));
        mp.writeInbound(msgpack("{\"action\":10,\"channel\":\"room\"}"));
        drainData(json);
        drainData(mp);

        EmbeddedChannel publisher = connected("p", WireFormat.JSON);
        publisher.writeInbound(text("{\"action\":15,\"channel\":\"room\",\"msgSerial\":0,\"messages\":[{\"data\":\"hi\"}]}"));
        assertEquals(List.of(1), actions(drainData(publisher)));
        List<JsonNode> j = drainData(json);
        List<JsonNode> m = drainData(mp);
        assertEquals(List.of(15), actions(j));
        assertEquals(List.of(15), actions(m));
        assertEquals("hi", j.get(0).path("messages").get(0).path("data").asText());
        assertEquals("p", m.get(0).path("messages").get(0).path("clientId").asText());
    }

    @Test
    void malformedJsonGetsAnErrorAndTheConnectionSurvives() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.writeInbound(text("{this is not json"));
        JsonNode error = drainData(ch).get(0);
        assertEquals(9, error.path("action").asInt());
        assertFalse(error.has("channel"), "a connection-level ERROR has no channel field");
        assertEquals(400, error.path("error").path("statusCode").asInt());
        assertTrue(error.path("error").path("code").isInt());
        assertTrue(error.path("error").path("message").isTextual());
        assertTrue(ch.isActive());

        ch.writeInbound(text("{\"action\":0,\"id\":\"still-there\"}"));
        JsonNode heartbeat = drainData(ch).get(0);
        assertEquals(0, heartbeat.path("action").asInt());
        assertEquals("still-there", heartbeat.path("id").asText());
    }

    @Test
    void badFieldInAFrameWithMsgSerialIsNacked() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.writeInbound(text("{\"action\":15,\"channel\":\"room\",\"msgSerial\":0,\"messages\":[{\"data\":\"a\",\"clientId\":7}]}"));
        JsonNode nack = drainData(ch).get(0);
        assertEquals(2, nack.path("action").asInt());
        assertEquals(0, nack.path("msgSerial").asLong());
        assertEquals(1, nack.path("count").asInt());
        assertEquals(40012, nack.path("error").path("code").asInt());
    }

    @Test
    void unknownActionGetsAnError() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.writeInbound(text("{\"action\":99}"));
        JsonNode error = drainData(ch).get(0);
        assertEquals(9, error.path("action").asInt());
        assertEquals(80013, error.path("error").path("code").asInt());
        assertTrue(ch.isActive());
    }

    @Test
    void binaryGarbageOnAMsgpackConnectionGetsAnError() {
        EmbeddedChannel ch = connect(TestBroker.FULL_KEY, "alice", WireFormat.MSGPACK);
        drain(ch).forEach(io.netty.util.ReferenceCountUtil::release);
        ch.writeInbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {(byte) 0xc1, 0x00, 0x17})));
        List<JsonNode> frames = drainData(ch);
        assertEquals(List.of(9), actions(frames));
        assertTrue(ch.isActive());
    }

    @Test
    void wrongKeyGetsErrorThenTimeToReadItThenCloseFrameThenClose() {
        EmbeddedChannel ch = connect("app1.full:wrong", null, WireFormat.JSON);
        List<Object> out = drain(ch);
        assertEquals(1, out.size(), "the ERROR alone, not yet a Close frame: " + out);
        JsonNode error = parse((TextWebSocketFrame) out.get(0));
        assertEquals(9, error.path("action").asInt());
        assertEquals(40101, error.path("error").path("code").asInt());
        assertEquals(401, error.path("error").path("statusCode").asInt());
        assertEquals(0, core.metrics.connections());
        assertClosedAfterTheLinger(ch);
    }

    /** An SDK that read the ERROR closes by itself: the close handshake completes at once, no linger. */
    @Test
    void aClientThatClosesAfterTheErrorIsNotKeptWaiting() {
        EmbeddedChannel ch = connect("app1.full:wrong", null, WireFormat.JSON);
        drain(ch).forEach(io.netty.util.ReferenceCountUtil::release);
        ch.writeInbound(new CloseWebSocketFrame(1000, ""));
        List<Object> out = drain(ch);
        assertEquals(1, out.size(), out::toString);
        assertInstanceOf(CloseWebSocketFrame.class, out.get(0));
        ((CloseWebSocketFrame) out.get(0)).release();
        assertFalse(ch.isOpen());
        lingerPasses(ch);
        assertTrue(drain(ch).isEmpty(), "nothing more after the linger");
    }

    @Test
    void framesAfterAFailedConnectAreIgnored() {
        EmbeddedChannel ch = connect("app1.full:wrong", null, WireFormat.JSON);
        drain(ch).forEach(io.netty.util.ReferenceCountUtil::release);
        // bytes already in flight when the ERROR went out still reach the handler: they are dropped
        ch.pipeline().fireChannelRead(text("{\"action\":10,\"channel\":\"room\"}"));
        assertTrue(drain(ch).isEmpty());
        assertEquals(0, core.router.channelCount());
    }

    @Test
    void pingIsAnsweredWithPong() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.writeInbound(new PingWebSocketFrame(Unpooled.copiedBuffer("p1", StandardCharsets.UTF_8)));
        Object pong = ch.readOutbound();
        assertInstanceOf(PongWebSocketFrame.class, pong);
        assertEquals("p1", ((PongWebSocketFrame) pong).content().toString(StandardCharsets.UTF_8));
        ((PongWebSocketFrame) pong).release();
    }

    @Test
    void closeFrameIsAnsweredAndReleasesTheSession() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.writeInbound(text("{\"action\":10,\"channel\":\"room\"}"));
        drainData(ch);
        ch.writeInbound(new CloseWebSocketFrame(1000, "bye"));
        Object close = ch.readOutbound();
        assertInstanceOf(CloseWebSocketFrame.class, close);
        ((CloseWebSocketFrame) close).release();
        assertFalse(ch.isOpen());
        assertEquals(0, core.router.channelCount());
        assertEquals(0, core.metrics.connections());
    }

    @Test
    void protocolCloseGetsClosedAndReleasesTheSession() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.writeInbound(text("{\"action\":10,\"channel\":\"room\"}"));
        drainData(ch);
        ch.writeInbound(text("{\"action\":7}"));
        List<Object> out = drain(ch);
        assertEquals(1, out.size(), out::toString);
        assertEquals(8, parse((TextWebSocketFrame) out.get(0)).path("action").asInt());
        assertEquals(0, core.router.channelCount());
        assertClosedAfterTheLinger(ch);
    }

    /**
     * A peer that stops reading: from the CLOSED on, nothing leaves (this stand-in for a full socket
     * holds every write uncompleted). The linger starts only once the last frame is out, so it does
     * not start; one maxIdleInterval later the connection is closed without its last frames instead
     * of holding its backlog forever.
     */
    @Test
    void aConnectionWhoseLastFrameIsNeverTakenIsClosedAfterTheDrainTime() {
        EmbeddedChannel ch = connectBehindAStuckSocket(TestBroker.FULL_KEY, "{\"action\":7}");
        lingerPasses(ch);
        assertTrue(ch.isOpen(), "the linger counts from the last frame going out, and it has not");
        ch.advanceTimeBy(core.limits.maxIdleInterval(), java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen(), "closed one idle interval after the last frame was queued, though it never left");
    }

    @Test
    void aRefusedConnectionWhoseErrorIsNeverTakenIsClosedAfterTheDrainTime() {
        EmbeddedChannel ch = connectBehindAStuckSocket("dev.local:wrong-secret", null);
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(core.limits.maxIdleInterval(), java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen());
    }

    /**
     * Connects (and sends {@code then}, if given), then from the next write on holds every write
     * uncompleted, as a socket whose peer stopped reading would.
     */
    private EmbeddedChannel connectBehindAStuckSocket(String key, String then) {
        ConnectRequest request = new ConnectRequest(key, null, "alice", "json", "2", true, null, null, "embedded");
        boolean[] stuck = {then == null};
        io.netty.channel.ChannelOutboundHandlerAdapter socket = new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                if (stuck[0]) {
                    io.netty.util.ReferenceCountUtil.release(msg); // never written, never completed
                } else {
                    ctx.write(msg, promise);
                }
            }
        };
        EmbeddedChannel ch = new EmbeddedChannel(socket, new RealtimeHandler(core.connector, request, ProtocolCodec.of(WireFormat.JSON),
                core.limits, BACKLOG, LINGER));
        channels.add(ch);
        if (then != null) {
            drainData(ch);
            stuck[0] = true;
            ch.writeInbound(text(then));
            ch.runPendingTasks();
        }
        return ch;
    }

    @Test
    void abruptDisconnectReleasesTheSession() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.writeInbound(text("{\"action\":10,\"channel\":\"room\"}"));
        drainData(ch);
        ch.close();
        assertEquals(0, core.router.channelCount());
        assertEquals(0, core.metrics.connections());
    }

    @Test
    void oversizedFrameFailsTheConnectionWith40009() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.pipeline().fireExceptionCaught(new CorruptedWebSocketFrameException(WebSocketCloseStatus.MESSAGE_TOO_BIG,
                "Max frame length of 524288 has been exceeded."));
        List<Object> out = drain(ch);
        assertEquals(1, out.size(), out::toString);
        JsonNode error = parse((TextWebSocketFrame) out.get(0));
        assertEquals(9, error.path("action").asInt());
        assertEquals(40009, error.path("error").path("code").asInt());
        assertEquals(0, core.metrics.connections());
        assertClosedAfterTheLinger(ch);
    }

    @Test
    void unexpectedExceptionDisconnectsSoTheSdkRetriesAndReleasesTheSession() {
        EmbeddedChannel ch = connected("alice", WireFormat.JSON);
        ch.pipeline().fireExceptionCaught(new IllegalStateException("boom (expected by the test)"));
        List<Object> out = drain(ch);
        assertEquals(1, out.size(), out::toString);
        JsonNode disconnected = parse((TextWebSocketFrame) out.get(0));
        assertEquals(6, disconnected.path("action").asInt());
        assertEquals(50000, disconnected.path("error").path("code").asInt());
        assertEquals(0, core.metrics.connections());
        assertClosedAfterTheLinger(ch);
    }

    /** A channel id with a chosen hash, which decides the connection's slack. */
    private record IdWithHash(int hash) implements io.netty.channel.ChannelId {
        @Override public String asShortText() { return "id" + hash; }
        @Override public String asLongText() { return "id-with-hash-" + hash; }
        @Override public int compareTo(io.netty.channel.ChannelId o) { return asLongText().compareTo(o.asLongText()); }
        @Override public int hashCode() { return hash; }
    }

    /** The first int from 1 up whose slack is between 60% and 90% of the most a slack can be: far from both ends. */
    private static int hashWithALargeSlack(long interval) {
        for (int h = 1; h < 1000; h++) {
            long slack = RealtimeHandler.slackNanos(h, interval);
            if (slack > interval / 4 * 6 / 10 && slack < interval / 4 * 9 / 10) {
                return h;
            }
        }
        throw new AssertionError("no hash under 1,000 has a large slack");
    }

    /** A connection, CONNECTED read, whose due time is its maxIdleInterval less a slack of many ticks. */
    private record Slacked(EmbeddedChannel ch, RealtimeHandler handler, long dueMillis) {}

    /** Connects alice on a channel id chosen for a large slack ({@link #hashWithALargeSlack}), time frozen. */
    private Slacked connectedWithALargeSlack(boolean pingsSuffice) {
        long idle = core.limits.maxIdleInterval();
        long intervalNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(idle);
        int hash = hashWithALargeSlack(intervalNanos);
        long dueMillis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(intervalNanos - RealtimeHandler.slackNanos(hash, intervalNanos));
        assertTrue(dueMillis < idle - 10 * LoopTimers.TICK_MILLIS, "a slack of many ticks: " + dueMillis);
        EmbeddedChannel ch = new EmbeddedChannel(new IdWithHash(hash));
        channels.add(ch);
        ch.freezeTime();
        ConnectRequest request = new ConnectRequest(TestBroker.FULL_KEY, null, "alice", "json", "2", true, null, null, "embedded");
        RealtimeHandler handler = new RealtimeHandler(core.connector, request, ProtocolCodec.of(WireFormat.JSON), core.limits,
                BacklogLimit.fixed(BACKLOG), LINGER, pingsSuffice);
        ch.pipeline().addLast(handler);
        assertEquals(List.of(4), actions(drainData(ch)));
        return new Slacked(ch, handler, dueMillis);
    }

    /**
     * The liveness timer is the handler itself, in its loop's wheel: a connection adds no Netty
     * scheduled task of its own. Its HEARTBEAT comes when the connection has been quiet for its
     * due time, maxIdleInterval less its slack, never before, and at most a wheel tick after (here
     * the last write is 50 ms after a tick boundary, so the timer's due time is not one). The
     * channel's id is chosen for a slack of most of a quarter interval, so a timer that ignored
     * the slack would be seconds late.
     */
    @Test
    void theLivenessTimerIsTheHandlerInItsLoopsWheelAndHeartbeatsNoEarlierThanDue() {
        Slacked c = connectedWithALargeSlack(false);
        EmbeddedChannel ch = c.ch();
        RealtimeHandler handler = c.handler();
        long dueMillis = c.dueMillis();
        LoopTimers timers = LoopTimers.of(ch.eventLoop());
        assertEquals(1, timers.size());
        assertTrue(timers.remove(handler), "the handler itself is the timer");
        timers.add(handler, EventLoopWriter.nanoTime(ch.eventLoop()) + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(dueMillis));
        assertEquals(1, ScheduledTasks.count(ch.eventLoop()), "the wheel's task only");

        ch.advanceTimeBy(50, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.writeInbound(text("{\"action\":0,\"id\":\"c\"}")); // the client's heartbeat, answered: written at 50 ms
        assertEquals(List.of(0), actions(drainData(ch)));
        ch.advanceTimeBy(dueMillis - 1, java.util.concurrent.TimeUnit.MILLISECONDS); // 49 ms before the heartbeat is due
        ch.runScheduledPendingTasks();
        assertEquals(List.of(), drain(ch), "nothing before the connection's due time");
        ch.advanceTimeBy(LoopTimers.TICK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        List<JsonNode> out = drainData(ch);
        assertEquals(List.of(0), actions(out), "a HEARTBEAT within a tick of being due: " + out);
        assertTrue(ch.isOpen());
        assertEquals(1, timers.size(), "re-armed");
        assertEquals(1, ScheduledTasks.count(ch.eventLoop()));

        ch.close();
        assertEquals(0, timers.size(), "a closed connection leaves the wheel at once");
    }

    /**
     * A client that sees pings (heartbeats=false) and then goes silent, answering nothing: it is sent
     * a ping every due time (its keep-alive), and is dropped a whole interval after the first ping
     * it left unanswered, within a tick. The later pings must not count as the one it is given an
     * interval to answer, or a dead client with a slack would never be dropped (its due time is
     * shorter than the interval, so a keep-alive ping always comes before the drop).
     */
    @Test
    void aSilentClientThatSeesPingsIsDroppedAnIntervalAfterItsFirstUnansweredPing() {
        long idle = core.limits.maxIdleInterval();
        Slacked c = connectedWithALargeSlack(true);
        EmbeddedChannel ch = c.ch();
        long dueMillis = c.dueMillis();
        List<Long> pings = new java.util.ArrayList<>();
        long closedAt = -1;
        for (long t = LoopTimers.TICK_MILLIS; t <= 3 * idle && closedAt < 0; t += LoopTimers.TICK_MILLIS) {
            ch.advanceTimeBy(LoopTimers.TICK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            for (Object o : drain(ch)) {
                if (!(o instanceof CloseWebSocketFrame)) { // the drop's
                    assertInstanceOf(PingWebSocketFrame.class, o, "pings alone, no HEARTBEAT, until the drop");
                    pings.add(t);
                }
                io.netty.util.ReferenceCountUtil.release(o);
            }
            if (!ch.isOpen()) {
                closedAt = t;
            }
        }
        assertTrue(pings.size() >= 2, "a keep-alive ping after the first: " + pings);
        long firstPing = pings.get(0);
        assertTrue(firstPing >= dueMillis && firstPing <= dueMillis + LoopTimers.TICK_MILLIS, "first ping at " + firstPing + ", due " + dueMillis);
        assertTrue(closedAt >= firstPing + idle && closedAt <= firstPing + idle + LoopTimers.TICK_MILLIS,
                "dropped at " + closedAt + " (pings at " + pings + ", interval " + idle + ")");
    }

    /**
     * A connection's slack is under a quarter of the interval, so its heartbeat is never later
     * than maxIdleInterval (what a client counts on), and slacks are spread over that quarter,
     * even for hashes that differ only in their low bits: hashes 0 to 999 and 1,000 random ones
     * (fixed seed) each fill every one of the quarter's 100-ms wheel ticks with at most three
     * times their share.
     */
    @Test
    void slacksAreUnderAQuarterIntervalAndSpreadOverIt() {
        long interval = java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
        long tick = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(LoopTimers.TICK_MILLIS);
        int ticks = (int) (interval / 4 / tick); // 37
        java.util.Random random = new java.util.Random(14);
        for (java.util.function.IntUnaryOperator hashes : List.<java.util.function.IntUnaryOperator>of(i -> i, i -> random.nextInt())) {
            int[] perTick = new int[ticks + 1];
            for (int i = 0; i < 1000; i++) {
                long slack = RealtimeHandler.slackNanos(hashes.applyAsInt(i), interval);
                assertTrue(slack >= 0 && slack < interval / 4, "slack " + slack);
                perTick[(int) (slack / tick)]++;
            }
            int share = 1000 / ticks;
            for (int t = 0; t < ticks; t++) {
                assertTrue(perTick[t] > 0 && perTick[t] <= 3 * share, "tick " + t + " has " + perTick[t] + ": " + java.util.Arrays.toString(perTick));
            }
        }
        assertEquals(0, RealtimeHandler.slackNanos(0, interval));
        assertEquals(0, RealtimeHandler.slackNanos(12345, 0));
    }

    /**
     * What the slack is for: silent connections opened in the same instant are pinged over a
     * quarter of the interval, not all in one wheel tick (1,000 pings in one tick held a loop for
     * about 100 ms). 60 connections, each silent, with id hashes as random as Netty's (from a
     * fixed seed, so that the test always sees the same ones): each first ping comes between
     * three quarters of the interval and the interval plus a tick, and no tick holds more than a
     * tenth of them.
     */
    @Test
    void silentConnectionsOpenedTogetherArePingedInDifferentTicks() {
        long idle = core.limits.maxIdleInterval();
        java.util.Map<Long, Integer> pingsPerTick = new java.util.TreeMap<>();
        java.util.Random hashes = new java.util.Random(60);
        for (int i = 0; i < 60; i++) {
            EmbeddedChannel ch = new EmbeddedChannel(new IdWithHash(hashes.nextInt()));
            channels.add(ch);
            ch.freezeTime();
            ConnectRequest request = new ConnectRequest(TestBroker.FULL_KEY, null, "c" + i, "json", "2", true, null, null, "embedded");
            ch.pipeline().addLast(new RealtimeHandler(core.connector, request, ProtocolCodec.of(WireFormat.JSON), core.limits, BACKLOG, LINGER));
            assertEquals(List.of(4), actions(drainData(ch)));
            long pingedAt = -1;
            for (long t = 0; t <= idle + LoopTimers.TICK_MILLIS && pingedAt < 0; t += LoopTimers.TICK_MILLIS) {
                ch.advanceTimeBy(LoopTimers.TICK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
                ch.runScheduledPendingTasks();
                for (Object o : drain(ch)) {
                    if (o instanceof PingWebSocketFrame) {
                        pingedAt = t + LoopTimers.TICK_MILLIS;
                    }
                    io.netty.util.ReferenceCountUtil.release(o);
                }
            }
            assertTrue(pingedAt >= idle * 3 / 4 && pingedAt <= idle + LoopTimers.TICK_MILLIS, "connection " + i + " pinged at " + pingedAt);
            pingsPerTick.merge(pingedAt, 1, Integer::sum);
        }
        int most = pingsPerTick.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        assertTrue(most <= 6, "pings per tick: " + pingsPerTick);
    }
}
