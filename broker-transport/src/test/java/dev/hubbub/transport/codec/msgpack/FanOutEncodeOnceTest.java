package dev.hubbub.transport.codec.msgpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.channel.EncodedFrame;
import dev.hubbub.core.channel.SharedFrame;
import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.transport.codec.DecodeResult;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import dev.hubbub.transport.ws.NettyTransport;
import io.netty.buffer.ByteBuf;
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

    /** A subscriber in one wire format whose encoder counts how often it runs. */
    static final class CountingSubscriber implements Subscriber {
        final WireFormat format;
        final AtomicInteger[] encodings;
        final String id;
        final List<byte[]> received = new ArrayList<>();

        CountingSubscriber(String id, WireFormat format, AtomicInteger[] encodings) {
            this.id = id;
            this.format = format;
            this.encodings = encodings;
        }

        @Override
        public String connectionId() { return id; }

        @Override
        public boolean echoes() { return true; }

        @Override
        public void deliver(SharedFrame frame) {
            Bytes b = frame.encoded(format.index(), m -> {
                encodings[format.index()].incrementAndGet();
                return new Bytes(ProtocolCodec.of(format).encodeToBytes(m));
            });
            received.add(b.bytes);
        }
    }

    record Bytes(byte[] bytes) implements EncodedFrame {
        @Override
        public void release() {}
    }

    @Test
    void eachFormatIsEncodedOncePerPublishWhateverTheNumberOfSubscribers() {
        AtomicInteger[] encodings = {new AtomicInteger(), new AtomicInteger()};
        ChannelRouter router = new ChannelRouter();
        ChannelKey key = new ChannelKey("app", "room");
        List<CountingSubscriber> subs = new ArrayList<>();
        Channel channel = null;
        for (int i = 0; i < 8; i++) {
            CountingSubscriber s = new CountingSubscriber("c" + i, i % 2 == 0 ? WireFormat.JSON : WireFormat.MSGPACK, encodings);
            subs.add(s);
            channel = router.attach(key, s, Flags.MODE_SUBSCRIBE);
        }

        channel.publish("pub", "pub:0", List.of(Message.of("n", PAYLOAD)), 1L);
        assertEquals(1, encodings[WireFormat.JSON.index()].get());
        assertEquals(1, encodings[WireFormat.MSGPACK.index()].get());
        channel.publish("pub", "pub:1", List.of(Message.of("n", "text")), 2L);
        assertEquals(2, encodings[WireFormat.JSON.index()].get());
        assertEquals(2, encodings[WireFormat.MSGPACK.index()].get());

        for (CountingSubscriber s : subs) {
            assertEquals(2, s.received.size(), s.id);
            CountingSubscriber first = subs.get(s.format == WireFormat.JSON ? 0 : 1);
            assertSame(first.received.get(0), s.received.get(0), "subscribers of one format share one encoding");
            DecodeResult r = Frames.decode(ProtocolCodec.of(s.format), s.received.get(0));
            assertTrue(r.isOk(), () -> String.valueOf(r.error()));
            Message m = r.message().messages().get(0);
            if (s.format == WireFormat.MSGPACK) {
                assertArrayEquals(PAYLOAD, (byte[]) m.data());
            } else {
                assertEquals("CQgH", m.data());
                assertEquals("base64", m.encoding());
            }
        }
    }

    @Test
    void aFormatNobodyUsesIsNeverEncoded() {
        AtomicInteger[] encodings = {new AtomicInteger(), new AtomicInteger()};
        ChannelRouter router = new ChannelRouter();
        Channel channel = null;
        for (int i = 0; i < 3; i++) {
            channel = router.attach(new ChannelKey("app", "mp"), new CountingSubscriber("m" + i, WireFormat.MSGPACK, encodings),
                    Flags.MODE_SUBSCRIBE);
        }
        channel.publish("pub", "pub:0", List.of(Message.of("n", PAYLOAD)), 1L);
        assertEquals(0, encodings[WireFormat.JSON.index()].get());
        assertEquals(1, encodings[WireFormat.MSGPACK.index()].get());
    }

    /**
     * The real transport on embedded event loops, which run on the caller's thread, as a fan-out
     * on the subscribers' own loop does: every connection of a format writes a view of the one
     * encoding, in the format's frame type, and every reference is released once the frames are.
     * (Fan-outs from another thread, where each loop takes a copy: FanOutBatchTest.)
     */
    @Test
    void nettyTransportsWriteViewsOfOneEncodingPerFormat() {
        ChannelRouter router = new ChannelRouter();
        ChannelKey key = new ChannelKey("app", "netty");
        List<EmbeddedChannel> channels = new ArrayList<>();
        List<WireFormat> formats = new ArrayList<>();
        Channel channel = null;
        for (int i = 0; i < 6; i++) {
            WireFormat format = i % 3 == 0 ? WireFormat.JSON : WireFormat.MSGPACK;
            EmbeddedChannel ch = new EmbeddedChannel();
            NettyTransport transport = new NettyTransport(ch, ProtocolCodec.of(format), 1 << 20, t -> { });
            String id = "n" + i;
            channel = router.attach(key, new Subscriber() {
                @Override
                public String connectionId() { return id; }

                @Override
                public boolean echoes() { return true; }

                @Override
                public void deliver(SharedFrame frame) { transport.send(frame); }
            }, Flags.MODE_SUBSCRIBE);
            channels.add(ch);
            formats.add(format);
        }
        channel.publish("pub", "pub:0", List.of(Message.of("n", PAYLOAD)), 1L);

        ByteBuf[] shared = new ByteBuf[2];
        List<WebSocketFrame> frames = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            channels.get(i).runPendingTasks();
            WebSocketFrame frame = (WebSocketFrame) dev.hubbub.transport.ws.OutboundFrames.asFrame(channels.get(i).readOutbound());
            frames.add(frame);
            WireFormat format = formats.get(i);
            Class<? extends WebSocketFrame> expected = format == WireFormat.JSON ? TextWebSocketFrame.class : BinaryWebSocketFrame.class;
            assertInstanceOf(expected, frame);
            ByteBuf underlying = frame.content().unwrap();
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
}
