package dev.hubbub.transport.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.outbound.FanOutPort;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A fan-out reaches the connections of one event loop as one batch carrying the loop's own copy of
 * the encoded frame: connections on that loop share the copy, every reference is released, and a
 * connection's frames keep their order (a fan-out before the frame its thread sends next). Real
 * in-VM channels on one loop, since every EmbeddedChannel has a loop of its own.
 */
class FanOutBatchTest {
    private EventLoopGroup group;
    private Channel server;
    private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    private final List<Channel> clients = new ArrayList<>();

    @BeforeEach
    void setUp() throws InterruptedException {
        group = new DefaultEventLoopGroup(1);
        LocalAddress address = new LocalAddress("fan-out-batch-" + System.nanoTime());
        server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) { accepted.add(ch); }
                })
                .bind(address).sync().channel();
        this.address = address;
    }

    private LocalAddress address;
    private final NettyFanOut fanOut = new NettyFanOut();
    /** Every buffer the broker's side allocates, in order: encodings and the loops' copies. */
    private final List<ByteBuf> allocated = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final io.netty.buffer.ByteBufAllocator alloc = new io.netty.buffer.AbstractByteBufAllocator(false) {
        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new io.netty.buffer.UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new io.netty.buffer.UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() { return false; }
    };

    /** One fan-out of {@code message} to {@code recipients}, as a channel makes it. */
    private void fanOut(ProtocolMessage message, NettyTransport... recipients) {
        FanOutPort.FanOut out = fanOut.begin(message);
        for (NettyTransport t : recipients) {
            out.add(t);
        }
        out.dispatch();
    }

    @AfterEach
    void tearDown() {
        clients.forEach(Channel::close);
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A connected pair on the one loop: the broker's side, and what its peer receives. */
    private record Pair(NettyTransport transport, Queue<Object> received) {}

    private Pair connect(WireFormat format) throws InterruptedException { return connect(format, BacklogLimit.fixed(1 << 20)); }

    private Pair connect(WireFormat format, BacklogLimit backlog) throws InterruptedException {
        Queue<Object> received = new ConcurrentLinkedQueue<>();
        Channel client = new Bootstrap().group(group).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) { received.add(msg); }
                })
                .connect(address).sync().channel();
        clients.add(client);
        Channel serverSide = accepted.poll(5, TimeUnit.SECONDS);
        serverSide.config().setAllocator(alloc);
        return new Pair(new NettyTransport(serverSide, ProtocolCodec.of(format), backlog, 1000, 15_000, () -> { }), received);
    }

    private static ProtocolMessage message(String name) {
        return ProtocolMessage.messages("room", "pub:0", "pub", 1L, "01", List.of(Message.of(name, "hello")));
    }

    private static void await(Queue<Object> q, int n) {
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> q.size() >= n);
        assertEquals(n, q.size(), q::toString);
    }

    @Test
    void connectionsOfOneLoopShareOneCopyPerFormatAndEveryReferenceIsReleased() throws Exception {
        Pair json1 = connect(WireFormat.JSON);
        Pair json2 = connect(WireFormat.JSON);
        Pair msgpack = connect(WireFormat.MSGPACK);

        fanOut(message("greeting"), json1.transport(), json2.transport(), msgpack.transport());
        ByteBuf original = allocated.get(0); // the JSON encoding (then the loop's copy of it, then MessagePack's)
        assertEquals(0, original.refCnt(), "the fan-out's own encoding is released when it ends");

        for (Pair p : List.of(json1, json2, msgpack)) {
            await(p.received(), 1);
        }
        ByteBuf a = (ByteBuf) json1.received().peek();
        ByteBuf b = (ByteBuf) json2.received().peek();
        ByteBuf c = (ByteBuf) msgpack.received().peek();
        assertNotSame(original, a.unwrap(), "the loop writes its own copy, not the publisher's buffer");
        assertSame(a.unwrap(), b.unwrap(), "connections of one loop share the loop's copy");
        assertNotSame(a.unwrap(), c.unwrap(), "one copy per format");
        assertTrue(a.equals(b));
        ByteBuf loopCopy = a.unwrap();
        for (Pair p : List.of(json1, json2, msgpack)) {
            ((ByteBuf) p.received().poll()).release();
        }
        assertEquals(0, loopCopy.refCnt(), "once every connection's view is released, so is the loop's copy");
        assertEquals(0, c.unwrap().refCnt());
    }

    @Test
    void aFanOutOnTheSubscribersOwnLoopWritesItsBufferWithoutACopy() throws Exception {
        Pair p = connect(WireFormat.JSON);
        ByteBuf[] original = new ByteBuf[1];
        p.transport().channel().eventLoop().submit(() -> {
            fanOut(message("local"), p.transport());
            original[0] = allocated.get(0);
        }).sync();
        await(p.received(), 1);
        ByteBuf view = (ByteBuf) p.received().poll();
        assertSame(original[0], view.unwrap(), "same core: nothing to gain from a copy");
        view.release();
        assertEquals(0, original[0].refCnt());
    }

    @Test
    void aConnectionClosedBeforeTheBatchRunsIsSkippedAndNothingLeaks() throws Exception {
        Pair open = connect(WireFormat.JSON);
        Pair closing = connect(WireFormat.JSON);
        FanOutPort.FanOut out = fanOut.begin(message("m"));
        out.add(open.transport());
        out.add(closing.transport());
        closing.transport().channel().close().sync();
        out.dispatch();

        await(open.received(), 1);
        ByteBuf view = (ByteBuf) open.received().poll();
        ByteBuf loopCopy = view.unwrap();
        view.release();
        assertEquals(0, loopCopy.refCnt());
        assertTrue(closing.received().isEmpty());
    }

    @Test
    void aFanOutArrivesBeforeWhatItsThreadSendsNext() throws Exception {
        Pair p = connect(WireFormat.JSON);
        for (int i = 0; i < 50; i++) {
            fanOut(message("fan-" + i), p.transport());
            p.transport().send(ProtocolMessage.heartbeat("after-" + i));
        }
        // both kinds are whole WebSocket frames in bytes, which the local transport may hand over merged
        List<String> frames = framesReceived(p, 100);
        for (int i = 0; i < 50; i++) {
            String fan = frames.get(2 * i);
            String direct = frames.get(2 * i + 1);
            assertTrue(fan.contains("fan-" + i), fan);
            assertTrue(direct.contains("after-" + i), direct);
        }
    }

    /**
     * What one drain has for a connection leaves as one buffer: its small frames copied together in
     * order, fan-out and direct alike (k entries in the outbound buffer had been k objects and k views
     * on the heap while a slow reader's backlog waited). A handler before the WebSocket encoder (where
     * TLS would be) counts the writes.
     */
    @Test
    void aConnectionsSmallFramesOfOneDrainLeaveAsOneBuffer() throws Exception {
        Pair p = connect(WireFormat.JSON);
        Pair other = connect(WireFormat.JSON);
        List<Object> writes = writesOf(p);
        List<Object> otherWrites = writesOf(other);
        threeFanOutsThenADirectFrame(p, other);
        assertThreeFanOutsThenTheDirectFrame(p);
        assertEquals(1, writes.size(), "four frames, one write: " + writes);
        assertEquals(3, framesReceived(other, 3).size());
        assertEquals(1, otherWrites.size(), "each connection gets its own buffer of its frames: " + otherWrites);
        assertEveryBufferReleased();
    }

    /**
     * A frame too large to be worth copying is written as the shared frame's view, between what came
     * before and after it; a connection sent one frame in a drain gets the view as before, no copy.
     */
    @Test
    void aLargeFrameIsNotCopiedAndKeepsItsPlace() throws Exception {
        Pair p = connect(WireFormat.JSON);
        List<Object> writes = writesOf(p);
        String big = "x".repeat(NettyTransport.COPY_AT_MOST + 100);
        p.transport().channel().eventLoop().submit(() -> {
            fanOut(message("small-1"), p.transport());
            fanOut(ProtocolMessage.messages("room", "pub:1", "pub", 2L, "02", List.of(Message.of("large", big))), p.transport());
            fanOut(message("small-2"), p.transport());
            fanOut(message("small-3"), p.transport());
        }).sync();
        List<String> frames = framesReceived(p, 4);
        assertTrue(frames.get(0).contains("small-1"));
        assertTrue(frames.get(1).contains(big));
        assertTrue(frames.get(2).contains("small-2"));
        assertTrue(frames.get(3).contains("small-3"));
        assertEquals(List.of("view", "view", "copy"), writes, "small-2 and small-3 copied together, the rest as they are");
    }

    /**
     * With no direct memory left for the copy that joins a connection's frames, each frame goes out
     * as it is (a view needs none), in order: a node short of memory still delivers everything.
     */
    @Test
    void withNoMemoryForTheCopyEachFrameGoesOutAsItIs() throws Exception {
        Pair p = connect(WireFormat.JSON);
        p.transport().channel().config().setAllocator(failingCopies(() -> new OutOfMemoryError("Cannot reserve direct memory")));
        List<Object> writes = writesOf(p);
        threeFanOutsThenADirectFrame(p);
        assertThreeFanOutsThenTheDirectFrame(p);
        assertEquals(List.of("view", "view", "view", "copy"), writes, "three views and the direct frame's own buffer, no copy");
        assertEquals(1, copyAttempts.get(), "after a refused copy the loop tries none for a while (each refusal can cost 0.5 s)");
        assertTrue(p.transport().channel().isActive());
        assertEveryBufferReleased();
    }

    /** While the node is short of direct memory, frames are not copied together: views take none. */
    @Test
    void underMemoryPressureFramesAreNotCopied() throws Exception {
        BacklogLimit backlog = new BacklogLimit(1 << 20, 1 << 18);
        Pair p = connect(WireFormat.JSON, backlog);
        List<Object> writes = writesOf(p);
        backlog.press(true);
        p.transport().channel().eventLoop().submit(() -> {
            for (int i = 0; i < 3; i++) {
                fanOut(message("fan-" + i), p.transport());
            }
        }).sync();
        assertEquals(3, framesReceived(p, 3).size());
        assertEquals(List.of("view", "view", "view"), writes);
    }

    /**
     * A write that fails for one connection in a drain (here its allocator throws) closes that
     * connection, which is missing a frame now, and the drain goes on: the other connection of the
     * same fan-outs gets every frame, and nothing leaks.
     */
    @Test
    void aConnectionWhoseWriteFailsIsClosedAndTheOthersGetTheirFrames() throws Exception {
        Pair broken = connect(WireFormat.JSON);
        Pair healthy = connect(WireFormat.JSON);
        broken.transport().channel().config().setAllocator(failingCopies(() -> new IllegalStateException("allocator broke")));
        healthy.transport().channel().eventLoop().submit(() -> {
            for (int i = 0; i < 3; i++) {
                fanOut(message("fan-" + i), broken.transport(), healthy.transport());
            }
        }).sync();
        List<String> frames = framesReceived(healthy, 3);
        for (int i = 0; i < 3; i++) {
            assertTrue(frames.get(i).contains("fan-" + i), frames.get(i));
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !broken.transport().channel().isActive());
        assertTrue(healthy.transport().channel().isActive());
        healthy.transport().send(ProtocolMessage.heartbeat("later"));
        assertTrue(framesReceived(healthy, 1).get(0).contains("later"), "the loop's writer goes on");
        broken.received().forEach(io.netty.util.ReferenceCountUtil::release);
        assertEveryBufferReleased();
    }

    private final java.util.concurrent.atomic.AtomicInteger copyAttempts = new java.util.concurrent.atomic.AtomicInteger();

    /** {@link #alloc}, except that the buffer a connection's frames are copied into cannot be had: {@code failure} is thrown. */
    private io.netty.buffer.ByteBufAllocator failingCopies(java.util.function.Supplier<? extends Throwable> failure) {
        return new io.netty.buffer.AbstractByteBufAllocator(false) {
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return alloc.heapBuffer(initialCapacity, maxCapacity);
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                if (maxCapacity == NettyTransport.COALESCE_AT_MOST) {
                    copyAttempts.incrementAndGet();
                    Throwable t = failure.get();
                    if (t instanceof Error e) {
                        throw e;
                    }
                    throw (RuntimeException) t;
                }
                return alloc.directBuffer(initialCapacity, maxCapacity);
            }

            @Override
            public boolean isDirectBufferPooled() { return false; }
        };
    }

    /** On {@code p}'s loop, in one drain: fan-outs "fan-0" to "fan-2" to {@code p} and {@code others}, then "direct" to {@code p} alone. */
    private void threeFanOutsThenADirectFrame(Pair p, Pair... others) throws InterruptedException {
        p.transport().channel().eventLoop().submit(() -> {
            for (int i = 0; i < 3; i++) {
                List<NettyTransport> to = new ArrayList<>(List.of(p.transport()));
                for (Pair o : others) {
                    to.add(o.transport());
                }
                fanOut(message("fan-" + i), to.toArray(new NettyTransport[0]));
            }
            p.transport().send(ProtocolMessage.heartbeat("direct"));
        }).sync();
    }

    private static void assertThreeFanOutsThenTheDirectFrame(Pair p) {
        List<String> frames = framesReceived(p, 4);
        for (int i = 0; i < 3; i++) {
            assertTrue(frames.get(i).contains("fan-" + i), frames.get(i));
        }
        assertTrue(frames.get(3).contains("direct"), frames.get(3));
    }

    private void assertEveryBufferReleased() {
        Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                allocated.forEach(b -> assertEquals(0, b.refCnt(), "every buffer is released: " + b)));
    }

    /** Records, for each write that reaches the WebSocket encoder's place, whether it is a view of a shared frame. */
    private static List<Object> writesOf(Pair p) throws InterruptedException {
        List<Object> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
        Channel ch = p.transport().channel();
        ch.eventLoop().submit(() -> ch.pipeline()
                .addLast("count", new io.netty.channel.ChannelOutboundHandlerAdapter() {
                    @Override
                    public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                        writes.add(msg instanceof ByteBuf b && b.unwrap() != null ? "view" : "copy");
                        ctx.write(msg, promise);
                    }
                })
                .addLast("encoder", new io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder(false))).sync();
        return writes;
    }

    /** The payloads of the first {@code n} frames {@code p}'s peer receives, however the buffers are cut. */
    private static List<String> framesReceived(Pair p, int n) {
        ByteBuf stream = io.netty.buffer.Unpooled.buffer();
        List<String> frames = new ArrayList<>();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
                for (Object o; (o = p.received().poll()) != null; ) {
                    stream.writeBytes((ByteBuf) o);
                    ((ByteBuf) o).release();
                }
                frames.addAll(completeFrames(stream));
                return frames.size() >= n;
            });
        } finally {
            stream.release();
        }
        assertEquals(n, frames.size(), frames::toString);
        return frames;
    }

    /** The payloads of the whole frames at the start of {@code stream} (unmasked server frames), read past. */
    private static List<String> completeFrames(ByteBuf stream) {
        List<String> out = new ArrayList<>();
        while (stream.readableBytes() >= 2) {
            int at = stream.readerIndex();
            int len = stream.getUnsignedByte(at + 1) & 0x7f;
            int header = len == 126 ? 4 : len == 127 ? 10 : 2;
            if (stream.readableBytes() < header) {
                break;
            }
            len = len == 126 ? stream.getUnsignedShort(at + 2) : len == 127 ? (int) stream.getLong(at + 2) : len;
            if (stream.readableBytes() < header + len) {
                break;
            }
            out.add(text(stream.retainedSlice(at, header + len)));
            stream.skipBytes(header + len);
        }
        stream.discardReadBytes();
        return out;
    }

    /** Nothing follows a Close frame, though the close itself is still waiting on a full socket. */
    @Test
    void framesQueuedAfterTheCloseAreDropped() throws Exception {
        Pair p = connect(WireFormat.JSON);
        Channel ch = p.transport().channel();
        ch.eventLoop().submit(() -> ch.pipeline().addFirst("stuck", new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                if (msg instanceof io.netty.handler.codec.http.websocketx.CloseWebSocketFrame close) {
                    close.release(); // never completes, as on a socket the peer stopped reading
                } else {
                    ctx.write(msg, promise);
                }
            }
        })).sync();
        p.transport().close(ProtocolMessage.heartbeat("last"));
        p.transport().send(ProtocolMessage.heartbeat("after-close"));
        fanOut(message("fan-after-close"), p.transport());
        ch.eventLoop().submit(() -> { }).sync(); // the drain ran before this
        await(p.received(), 1);
        assertTrue(text(p.received().poll()).contains("last"));
        ch.eventLoop().submit(() -> { }).sync();
        assertTrue(p.received().isEmpty(), "nothing after the Close frame: " + p.received());
    }

    /** Handlers before the encoder (where TLS would be) see fan-out bytes; those after it are skipped. */
    @Test
    void fanOutBytesEnterThePipelineAtTheWebSocketEncoder() throws Exception {
        Pair p = connect(WireFormat.JSON);
        List<Object> before = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Object> after = new java.util.concurrent.CopyOnWriteArrayList<>();
        Channel ch = p.transport().channel();
        ch.eventLoop().submit(() -> ch.pipeline()
                .addLast("before", recorder(before))
                .addLast("encoder", new io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder(false))
                .addLast("after", recorder(after))).sync();

        fanOut(message("through"), p.transport());
        await(p.received(), 1);
        assertEquals(1, before.size(), "a handler before the encoder sees the frame");
        assertTrue(after.isEmpty(), "handlers after the encoder are skipped: " + after);
        assertTrue(text(p.received().poll()).contains("through"));
    }

    /**
     * Flushes enter where the frames do: a handler before the encoder that holds writes until it is
     * flushed (as TLS does) lets them go, and a handler after it sees no flush (the drain does not
     * walk the contexts of the inbound handlers to reach the socket).
     */
    @Test
    void flushesEnterThePipelineAtTheWebSocketEncoder() throws Exception {
        Pair p = connect(WireFormat.JSON);
        java.util.concurrent.atomic.AtomicInteger flushesAfter = new java.util.concurrent.atomic.AtomicInteger();
        Channel ch = p.transport().channel();
        ch.eventLoop().submit(() -> ch.pipeline()
                .addLast("holding", new io.netty.channel.ChannelOutboundHandlerAdapter() {
                    private final List<Object> held = new ArrayList<>();

                    @Override
                    public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                        held.add(msg); // the drain writes with the void promise: nothing to complete
                    }

                    @Override
                    public void flush(ChannelHandlerContext ctx) {
                        held.forEach(m -> ctx.write(m, ctx.voidPromise()));
                        held.clear();
                        ctx.flush();
                    }
                })
                .addLast("encoder", new io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder(false))
                .addLast("after", new io.netty.channel.ChannelOutboundHandlerAdapter() {
                    @Override
                    public void flush(ChannelHandlerContext ctx) {
                        flushesAfter.incrementAndGet();
                        ctx.flush();
                    }
                })).sync();

        fanOut(message("fanned out"), p.transport());
        p.transport().send(ProtocolMessage.heartbeat("sent alone"));
        List<String> frames = framesReceived(p, 2);
        assertTrue(frames.get(0).contains("fanned out"), frames::toString);
        assertTrue(frames.get(1).contains("sent alone"), frames::toString);
        assertEquals(0, flushesAfter.get(), "the flush entered at the encoder");
    }

    private static io.netty.channel.ChannelOutboundHandlerAdapter recorder(List<Object> seen) {
        return new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                seen.add(msg.getClass().getSimpleName());
                ctx.write(msg, promise);
            }
        };
    }

    private static String text(Object out) {
        WebSocketFrame f = (WebSocketFrame) OutboundFrames.asFrame(out);
        try {
            return f.content().toString(java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            f.release();
        }
    }
}
