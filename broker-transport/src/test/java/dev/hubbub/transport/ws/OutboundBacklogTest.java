package dev.hubbub.transport.ws;

import static dev.hubbub.transport.ws.WsFrames.drain;
import static dev.hubbub.transport.ws.WsFrames.parse;
import static dev.hubbub.transport.ws.WsFrames.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.testkit.Frames;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.transport.TestBroker;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every frame a connection is sent counts toward its backlog, not only fan-out: a client that asks
 * for SYNC after SYNC of a large presence set without reading the answers is disconnected 80020 once
 * what it has been sent passes maxBacklogBytes, and the connection is not read from while its own
 * replies pile up. On an EmbeddedChannel, whose loop runs only when told: the frames a read causes
 * stay queued until the test runs the loop's tasks, as behind a client that does not read.
 */
class OutboundBacklogTest {
    private static final long LINGER = 1000;
    private static final int MEMBERS = 20;
    private static final int MEMBER_BYTES = 30_000; // a SYNC of the set: about 600 KB

    private final TestBroker broker = new TestBroker();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void tearDown() { channels.forEach(EmbeddedChannel::finishAndReleaseAll); }

    /** MEMBERS members of MEMBER_BYTES each on "crowd", entered by one wildcard connection. */
    private void crowd() {
        TestClient server = broker.core.connect(TestBroker.FULL_KEY, null, null, null);
        server.send(Frames.attach("crowd", null));
        for (int i = 0; i < MEMBERS; i++) {
            server.send(new ProtocolMessage(Action.PRESENCE, null, "crowd", null, null, null, null, null, null, (long) i, null,
                    List.of(new PresenceMessage(null, PresenceAction.ENTER, "m" + i, null, "x".repeat(MEMBER_BYTES), null, null,
                            null)), null, null, null, null));
        }
        assertEquals(MEMBERS, broker.core.presence.memberCount(new dev.hubbub.core.channel.ChannelKey("app1", "crowd")));
    }

    private EmbeddedChannel connect(long maxBacklogBytes) { return connect(BacklogLimit.fixed(maxBacklogBytes)); }

    private EmbeddedChannel connect(BacklogLimit backlog) {
        ConnectRequest request = new ConnectRequest(TestBroker.FULL_KEY, null, "greedy", "json", "2", true, null, null, "embedded");
        EmbeddedChannel ch = new EmbeddedChannel(new RealtimeHandler(broker.connector, request, ProtocolCodec.of(WireFormat.JSON),
                broker.limits, backlog, LINGER));
        // the server's marks: reads stop above 1 MiB not yet taken, and go on below 256 KiB
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(256 * 1024, 1024 * 1024));
        channels.add(ch);
        drain(ch).forEach(io.netty.util.ReferenceCountUtil::release);
        ch.writeInbound(text("{\"action\":10,\"channel\":\"crowd\"}"));
        drain(ch).forEach(io.netty.util.ReferenceCountUtil::release); // ATTACHED and the first SYNC
        return ch;
    }

    private static final String SYNC = "{\"action\":16,\"channel\":\"crowd\"}";

    /** What the connection was sent, parsed, and how many bytes it came to. */
    private record Sent(List<JsonNode> frames, long bytes) {
        JsonNode disconnected() {
            return frames.stream().filter(f -> f.path("action").asInt() == 6).findFirst().orElse(null);
        }

        long syncPages() { return frames.stream().filter(f -> f.path("action").asInt() == 16).count(); }
    }

    private static Sent sent(EmbeddedChannel ch) {
        List<JsonNode> frames = new ArrayList<>();
        long bytes = 0;
        for (Object o : drain(ch)) {
            if (o instanceof WebSocketFrame f && !(o instanceof io.netty.handler.codec.http.websocketx.CloseWebSocketFrame)) {
                bytes += f.content().readableBytes();
                frames.add(parse(f));
            } else {
                io.netty.util.ReferenceCountUtil.release(o);
            }
        }
        return new Sent(frames, bytes);
    }

    @Test
    void repliesPastTheBacklogLimitEndTheConnectionWith80020() {
        crowd();
        long backlog = 1024 * 1024;
        EmbeddedChannel ch = connect(backlog);
        Object[] syncs = new Object[50]; // 50 x 600 KB = 30 MB asked for in one read
        for (int i = 0; i < syncs.length; i++) {
            syncs[i] = text(SYNC);
        }
        ch.writeInbound(syncs);
        Sent out = sent(ch);
        JsonNode disconnected = out.disconnected();
        assertNotNull(disconnected, () -> out.syncPages() + " SYNC pages and no DISCONNECTED");
        assertEquals(80020, disconnected.path("error").path("code").asInt(), disconnected::toString);
        assertTrue(out.bytes() < 2 * backlog, "sent " + out.bytes() + " bytes for a backlog limit of " + backlog);
        assertEquals(1.0, broker.core.count("broker.connections.slow"));
    }

    @Test
    void aConnectionWhoseRepliesPileUpIsNotReadFromUntilTheyDrain() {
        crowd();
        EmbeddedChannel ch = connect(8L * 1024 * 1024);
        assertTrue(ch.config().isAutoRead());
        ch.pipeline().fireChannelRead(text(SYNC)); // one read, the loop not yet run: 600 KB queued, under the mark
        ch.pipeline().fireChannelRead(text(SYNC)); // 1.2 MB
        assertFalse(ch.config().isAutoRead(), "over the high-water mark: reads stop");
        assertTrue(((RealtimeHandler) ch.pipeline().last()).readsPaused());

        Sent out = sent(ch); // the client reads: the loop writes it all out
        assertEquals(2, out.frames().stream().filter(f -> f.path("action").asInt() == 16
                && f.path("channelSerial").asText().endsWith(":")).count(), "both SYNCs, each to its last page");
        // under the low-water mark: reading again (at once when Netty reports the channel writable, else at the next look)
        ch.advanceTimeBy(RealtimeHandler.RESUME_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.config().isAutoRead(), "reading again");
        assertFalse(((RealtimeHandler) ch.pipeline().last()).readsPaused());
        assertTrue(ch.isActive(), "within the backlog limit the connection stays");
    }

    /**
     * Under memory pressure the lower limit applies, and a connection past it is closed at once: its
     * unsent frames go with it instead of waiting, with a DISCONNECTED behind them, for up to an idle
     * interval. Without pressure the same backlog is within the limit.
     */
    @Test
    void underMemoryPressureAConnectionPastTheLowerLimitIsClosedAtOnce() {
        crowd();
        BacklogLimit backlog = new BacklogLimit(8L * 1024 * 1024, 1024 * 1024);
        EmbeddedChannel calm = connect(backlog);
        calm.writeInbound(text(SYNC), text(SYNC), text(SYNC), text(SYNC)); // 2.4 MB asked for in one read
        Sent unpressed = sent(calm);
        assertEquals(4, unpressed.frames().stream().filter(f -> f.path("action").asInt() == 16
                && f.path("channelSerial").asText().endsWith(":")).count(), "every SYNC to its last page");
        assertTrue(calm.isActive(), "within 8 MiB");
        assertEquals(0.0, broker.core.count("broker.connections.slow"));

        backlog.press(true);
        EmbeddedChannel pressed = connect(backlog);
        pressed.writeInbound(text(SYNC), text(SYNC), text(SYNC), text(SYNC));
        Sent out = sent(pressed);
        assertEquals(1.0, broker.core.count("broker.connections.slow"));
        assertFalse(pressed.isActive(), "closed at once, not after its backlog and a linger");
        assertEquals(null, out.disconnected(), "no DISCONNECTED queued behind what it has not taken");
        assertTrue(out.bytes() < 2 * 1024 * 1024, "sent " + out.bytes() + " bytes for a limit of 1 MiB under pressure");
        assertTrue(calm.isActive(), "the connection within the lower limit is left alone");
    }

    /** A connection opened on a channel with small water marks (8 KiB, 16 KiB), set before it opens as the server's are. */
    private NettyTransport openWithSmallMarks(EmbeddedChannel ch, long maxBacklogBytes) {
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8 * 1024, 16 * 1024));
        ConnectRequest request = new ConnectRequest(TestBroker.FULL_KEY, null, "slow", "json", "2", true, null, null, "embedded");
        RealtimeHandler handler = new RealtimeHandler(broker.connector, request, ProtocolCodec.of(WireFormat.JSON),
                broker.limits, BacklogLimit.fixed(maxBacklogBytes), LINGER);
        ch.pipeline().addLast(handler);
        channels.add(ch);
        drain(ch).forEach(io.netty.util.ReferenceCountUtil::release); // CONNECTED
        return (NettyTransport) handler.session().outbound();
    }

    /**
     * What sits in Netty's outbound buffer counts toward the limit for a fan-out frame: a connection
     * past its high-water mark is looked at in full, not waved through on its queue alone. Bytes
     * written and not flushed stay in that buffer, as behind a client that does not read.
     */
    @Test
    void theOutboundBufferCountsTowardTheLimitForFanOut() {
        EmbeddedChannel ch = new EmbeddedChannel();
        NettyTransport transport = openWithSmallMarks(ch, 40 * 1024);
        assertTrue(transport.acceptsFanOut(), "nothing unsent");

        ch.write(io.netty.buffer.Unpooled.wrappedBuffer(new byte[30 * 1024])); // past the high-water mark, within the limit
        assertFalse(ch.isWritable());
        assertTrue(transport.acceptsFanOut(), "30 KiB unsent is within 40 KiB");
        assertEquals(0.0, broker.core.count("broker.connections.slow"));

        ch.write(io.netty.buffer.Unpooled.wrappedBuffer(new byte[20 * 1024])); // 50 KiB
        assertFalse(transport.acceptsFanOut(), "50 KiB unsent is past 40 KiB");
        ch.runPendingTasks(); // the connection ends on its loop
        assertEquals(1.0, broker.core.count("broker.connections.slow"));
    }

    /** A connection whose channel has closed takes no fan-out frame, though nothing was ever unsent. */
    @Test
    void aClosedConnectionTakesNoFanOut() {
        EmbeddedChannel ch = new EmbeddedChannel();
        NettyTransport transport = openWithSmallMarks(ch, 1 << 20);
        assertTrue(transport.acceptsFanOut());
        ch.close();
        assertFalse(transport.acceptsFanOut(), "closed");
        assertEquals(0.0, broker.core.count("broker.connections.slow"), "a closed connection is not a slow one");
    }
}
