package dev.hubbub.transport.codec.msgpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.testkit.TestSubscriber;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.transport.codec.DecodeResult;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import dev.hubbub.transport.ws.BacklogLimit;
import dev.hubbub.transport.ws.NettyFanOut;
import dev.hubbub.transport.ws.NettyTransport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A publish fanned out to JSON and MessagePack subscribers is serialised once per format in use. */
class FanOutEncodeOnceTest {
    private static final byte[] PAYLOAD = {9, 8, 7};

    /** Counts every buffer the fan-out allocates: one per encoding (embedded loops run the fan-out on their own thread: no copies). */
    static final class CountingAllocator extends io.netty.buffer.AbstractByteBufAllocator {
        final AtomicInteger allocations = new AtomicInteger();

        CountingAllocator() { super(false); }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            allocations.incrementAndGet();
            return new io.netty.buffer.UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            allocations.incrementAndGet();
            return new io.netty.buffer.UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() { return false; }
    }

    /** A subscriber over a real NettyTransport on an EmbeddedChannel that allocates from {@code alloc}. */
    private static EmbeddedChannel subscribe(ChannelRouter router, ChannelKey key, String id, WireFormat format,
                                             ByteBufAllocator alloc) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(alloc);
        NettyTransport transport = new NettyTransport(ch, ProtocolCodec.of(format), BacklogLimit.fixed(1 << 20), 1000, 15_000, () -> { });
        router.attach(key, new TestSubscriber(id, true, transport), Flags.MODE_SUBSCRIBE);
        return ch;
    }

    @Test
    void eachFormatIsEncodedOncePerPublishWhateverTheNumberOfSubscribers() {
        CountingAllocator alloc = new CountingAllocator();
        ChannelRouter router = new ChannelRouter(new NettyFanOut());
        ChannelKey key = new ChannelKey("app", "room");
        List<EmbeddedChannel> channels = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            channels.add(subscribe(router, key, "c" + i, i % 2 == 0 ? WireFormat.JSON : WireFormat.MSGPACK, alloc));
        }
        Channel channel = router.find(key);

        channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "pub:0", "pub", 1L, null, List.of(Message.of("n", PAYLOAD))), "pub");
        assertEquals(2, alloc.allocations.get(), "one encoding per format");
        channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "pub:1", "pub", 2L, null, List.of(Message.of("n", "text"))), "pub");
        assertEquals(4, alloc.allocations.get(), "one encoding per format per publish");

        for (int i = 0; i < channels.size(); i++) {
            WireFormat format = i % 2 == 0 ? WireFormat.JSON : WireFormat.MSGPACK;
            EmbeddedChannel ch = channels.get(i);
            ch.runPendingTasks();
            List<Object> got = dev.hubbub.transport.ws.OutboundFrames.readAll(ch);
            assertEquals(2, got.size(), "both publishes: " + got);
            WebSocketFrame first = (WebSocketFrame) got.get(0);
            WebSocketFrame second = (WebSocketFrame) got.get(1);
            DecodeResult r = Frames.decode(ProtocolCodec.of(format), io.netty.buffer.ByteBufUtil.getBytes(first.content()));
            assertTrue(r.isOk(), () -> String.valueOf(r.error()));
            Message m = r.message().messages().get(0);
            if (format == WireFormat.MSGPACK) {
                assertArrayEquals(PAYLOAD, (byte[]) m.data());
            } else {
                assertEquals("CQgH", m.data());
                assertEquals("base64", m.encoding());
            }
            first.release();
            second.release();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void aFormatNobodyUsesIsNeverEncoded() {
        CountingAllocator alloc = new CountingAllocator();
        ChannelRouter router = new ChannelRouter(new NettyFanOut());
        ChannelKey key = new ChannelKey("app", "mp");
        List<EmbeddedChannel> channels = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            channels.add(subscribe(router, key, "m" + i, WireFormat.MSGPACK, alloc));
        }
        router.find(key).publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "pub:0", "pub", 1L, null, List.of(Message.of("n", PAYLOAD))), "pub");
        assertEquals(1, alloc.allocations.get(), "MessagePack only");
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /**
     * The real transport on embedded event loops, which run on the caller's thread, as a fan-out
     * on the subscribers' own loop does: every connection of a format writes a view of the one
     * encoding, in the format's frame type, and every reference is released once the frames are.
     * (Fan-outs from another thread, where each loop takes a copy: FanOutBatchTest.)
     */
    @Test
    void nettyTransportsWriteViewsOfOneEncodingPerFormat() {
        ChannelRouter router = new ChannelRouter(new NettyFanOut());
        ChannelKey key = new ChannelKey("app", "netty");
        List<EmbeddedChannel> channels = new ArrayList<>();
        List<WireFormat> formats = new ArrayList<>();
        Channel channel = null;
        for (int i = 0; i < 6; i++) {
            WireFormat format = i % 3 == 0 ? WireFormat.JSON : WireFormat.MSGPACK;
            EmbeddedChannel ch = new EmbeddedChannel();
            NettyTransport transport = new NettyTransport(ch, ProtocolCodec.of(format), BacklogLimit.fixed(1 << 20), 1000, 15_000, () -> { });
            String id = "n" + i;
            channel = router.attach(key, new TestSubscriber(id, true, transport), Flags.MODE_SUBSCRIBE);
            channels.add(ch);
            formats.add(format);
        }
        channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "pub:0", "pub", 1L, null, List.of(Message.of("n", PAYLOAD))), "pub");

        ByteBuf[] shared = new ByteBuf[2];
        List<WebSocketFrame> frames = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            channels.get(i).runPendingTasks();
            WebSocketFrame frame = (WebSocketFrame) dev.hubbub.transport.ws.OutboundFrames.asFrame(channels.get(i).readOutbound());
            frames.add(frame);
            WireFormat format = formats.get(i);
            Class<? extends WebSocketFrame> expected = format == WireFormat.JSON ? TextWebSocketFrame.class : BinaryWebSocketFrame.class;
            assertInstanceOf(expected, frame);
            ByteBuf underlying = root(frame.content());
            if (shared[format.index()] == null) {
                shared[format.index()] = underlying;
            }
            assertSame(shared[format.index()], underlying, "one encoding per format, shared by its connections");
            byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(frame.content());
            assertTrue(Frames.decode(ProtocolCodec.of(format), bytes).isOk());
        }
        // the fan-out and the loops released their references: the frames hold the rest
        frames.forEach(WebSocketFrame::release);
        assertEquals(0, shared[0].refCnt());
        assertEquals(0, shared[1].refCnt());
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /**
     * The buffer a view stands on, through slices, duplicates and the leak detector's wrappers. The
     * detector wraps a sampled allocation (1 in 128 at its default level) and every view of it, so a
     * single unwrap() sometimes reached a per-connection slice instead of the shared encoding.
     */
    private static ByteBuf root(ByteBuf view) {
        ByteBuf b = view;
        while (b instanceof io.netty.buffer.AbstractDerivedByteBuf || b.getClass().getSimpleName().contains("LeakAware")) {
            b = b.unwrap();
        }
        return b;
    }
}
