package dev.hubbub.bench.raw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.hubbub.bench.client.Actions;
import dev.hubbub.bench.client.BenchClient;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.client.SocketTransport;
import dev.hubbub.bench.client.WebSocketClients;
import dev.hubbub.bench.client.WireCodec;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The raw server in-process on port 0, driven by the bench's own client code. */
class RawBroadcastServerTest {
    private static final Endpoint.Credentials KEY = Endpoint.Credentials.key("any.key:not-checked", null);
    /** JSON escapes in the name: the scan must decode them, not just copy the bytes. */
    private static final String ROOM_A = "room \"a\" \u00e9";
    private static final String ROOM_B = "room-b";

    private RawBroadcastServer server;
    private Endpoint endpoint;
    private EventLoopGroup group;

    @BeforeEach
    void start() throws InterruptedException {
        server = new RawBroadcastServer("127.0.0.1", 0, 2); // two loops: relays cross event loops
        InetSocketAddress bound = server.start();
        endpoint = Endpoint.parse("ws://127.0.0.1:" + bound.getPort());
        group = new MultiThreadIoEventLoopGroup(1, SocketTransport.ioHandlerFactory());
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        server.close();
    }

    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void benchClientConnectsAttachesAndCloses(WireCodec.Format format) throws Exception {
        try (BenchClient client = new BenchClient(endpoint, format, 1, 10)) {
            Connection c = client.open(KEY, ConnectionListener.NONE);
            c.connected().get(5, TimeUnit.SECONDS);
            assertNotNull(c.connectionId());
            assertNotNull(c.connectionKey());
            InboundFrame attached = c.attach(ROOM_A).get(5, TimeUnit.SECONDS);
            assertEquals(Actions.ATTACHED, attached.action());
            assertEquals(ROOM_A, attached.channel());
            c.requestClose(); // the bench closes its socket on CLOSED
            c.closed().get(5, TimeUnit.SECONDS);
        }
    }

    /** The comparator on io_uring too (--io io_uring), for ratios against a raw server on the broker's own transport. */
    @org.junit.jupiter.api.Test
    void relaysOnIoUring() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.channel.uring.IoUring.isAvailable(), "io_uring is not allowed here");
        stop();
        server = new RawBroadcastServer("127.0.0.1", 0, 2, "io_uring");
        endpoint = Endpoint.parse("ws://127.0.0.1:" + server.start().getPort());
        group = new MultiThreadIoEventLoopGroup(1, SocketTransport.ioHandlerFactory());
        WireCodec codec = new WireCodec(WireCodec.Format.JSON);
        Capture sub = open(codec);
        Capture pub = open(codec);
        sub.attach(ROOM_A);
        sub.expect(pub.publish(ROOM_A, "over io_uring"));
    }

    /** --ack: each MESSAGE answered with an ACK of its msgSerial, which the bench's own decoder reads. */
    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void withAcksAnswersEachPublishInOrderAndStillRelays(WireCodec.Format format) throws Exception {
        stop();
        server = new RawBroadcastServer("127.0.0.1", 0, 2, "epoll", true);
        endpoint = Endpoint.parse("ws://127.0.0.1:" + server.start().getPort());
        group = new MultiThreadIoEventLoopGroup(1, SocketTransport.ioHandlerFactory());
        WireCodec codec = new WireCodec(format);
        Capture sub = open(codec);
        Capture pub = open(codec);
        sub.attach(ROOM_A);
        // past 127: MessagePack's msgSerial turns from a fixint into a uint64
        for (int i = 0; i < 130; i++) {
            sub.expect(pub.publish(ROOM_A, "m" + i));
            InboundFrame ack = pub.next();
            assertEquals(Actions.ACK, ack.action(), () -> "publish " + ack);
            assertEquals(i, ack.msgSerial());
            assertEquals(1, ack.count());
        }
        sub.channel.writeAndFlush(codec.bare(sub.channel.alloc(), Actions.CLOSE));
        assertEquals(Actions.CLOSED, sub.next().action(), "a subscriber is sent no ACKs");
    }

    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void relaysEachMessageByteForByteToItsChannelsSubscribersOnly(WireCodec.Format format) throws Exception {
        WireCodec codec = new WireCodec(format);
        Capture subA = open(codec);
        Capture subB = open(codec);
        Capture pub = open(codec);
        subA.attach(ROOM_A);
        subB.attach(ROOM_B);

        // published in this order on one connection: a leak to the wrong channel would sit between a subscriber's two
        byte[] a1 = pub.publish(ROOM_A, "a1");
        byte[] b1 = pub.publish(ROOM_B, "b1");
        byte[] a2 = pub.publish(ROOM_A, "a2");
        byte[] b2 = pub.publish(ROOM_B, "b2");
        subA.expect(a1);
        subA.expect(a2);
        subB.expect(b1);
        subB.expect(b2);
        // the publisher attached to nothing: the first frame it gets after CONNECTED is the answer to its CLOSE
        pub.channel.writeAndFlush(codec.bare(pub.channel.alloc(), Actions.CLOSE));
        assertEquals(Actions.CLOSED, pub.next().action());
        assertEquals(true, pub.channel.closeFuture().await(5, TimeUnit.SECONDS));
        // likewise nothing more reached the subscribers
        subA.channel.writeAndFlush(codec.bare(subA.channel.alloc(), Actions.CLOSE));
        subB.channel.writeAndFlush(codec.bare(subB.channel.alloc(), Actions.CLOSE));
        assertEquals(Actions.CLOSED, subA.next().action());
        assertEquals(Actions.CLOSED, subB.next().action());
    }

    private Capture open(WireCodec codec) throws Exception {
        Capture c = new Capture(codec);
        c.channel = WebSocketClients.bootstrap(group, endpoint.connectUri(KEY, codec.format()), ch -> { }, "capture", c)
                .connect(endpoint.host(), endpoint.port()).sync().channel();
        assertEquals(Actions.CONNECTED, c.next().action());
        return c;
    }

    /** A bench WebSocket connection that keeps every frame it receives, as bytes. */
    private static final class Capture extends SimpleChannelInboundHandler<WebSocketFrame> {
        final WireCodec codec;
        final BlockingQueue<WebSocketFrame> frames = new LinkedBlockingQueue<>();
        Channel channel;
        long serial;

        Capture(WireCodec codec) {
            this.codec = codec;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            frames.add(frame.copy());
        }

        /** The next frame, within 5 s. */
        WebSocketFrame nextFrame() throws InterruptedException {
            WebSocketFrame f = frames.poll(5, TimeUnit.SECONDS);
            assertNotNull(f, "no frame within 5 s");
            return f;
        }

        InboundFrame next() throws Exception {
            WebSocketFrame f = nextFrame();
            try {
                return codec.decode(f.content());
            } finally {
                f.release();
            }
        }

        void attach(String name) throws Exception {
            channel.writeAndFlush(codec.attach(channel.alloc(), name, 0));
            InboundFrame f = next();
            assertEquals(Actions.ATTACHED, f.action());
            assertEquals(name, f.channel());
        }

        /** Sends a MESSAGE; returns its bytes. */
        byte[] publish(String name, String data) {
            WebSocketFrame frame = codec.publish(channel.alloc(), name, serial++, "bench", data);
            byte[] bytes = ByteBufUtil.getBytes(frame.content());
            channel.writeAndFlush(frame);
            return bytes;
        }

        /** The next frame is {@code sent}, byte for byte, in a frame of the format's type. */
        void expect(byte[] sent) throws InterruptedException {
            WebSocketFrame f = nextFrame();
            try {
                Class<?> type = codec.format() == WireCodec.Format.JSON ? TextWebSocketFrame.class : BinaryWebSocketFrame.class;
                assertEquals(type, f.getClass());
                assertArrayEquals(sent, ByteBufUtil.getBytes(f.content()),
                        () -> "got " + new String(ByteBufUtil.getBytes(f.content()), java.nio.charset.StandardCharsets.UTF_8));
            } finally {
                f.release();
            }
        }
    }
}
