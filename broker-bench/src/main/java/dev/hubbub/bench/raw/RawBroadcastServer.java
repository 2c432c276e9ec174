package dev.hubbub.bench.raw;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * The comparator for hubbub's CPU per delivery (issue 14): a plain Netty WebSocket broadcast
 * server with no protocol beyond what broker-bench's {@code fanout}, {@code channels},
 * {@code connect --auth key} and {@code idle} need to run against it unchanged. Same listener
 * set-up as hubbub's (epoll where available, one event loop per core, TCP_NODELAY, the same write
 * water marks), so "hubbub ÷ raw" compares the work done per delivery, not the plumbing.
 *
 * <p>What it does, in JSON text frames or MessagePack binary frames (the connect URL's
 * {@code format=msgpack}; replies follow the format of the frame they answer):
 * <ul>
 *   <li>after the WebSocket upgrade, a CONNECTED with {@code connectionId} and
 *       {@code connectionDetails.connectionKey} (both the socket's id);</li>
 *   <li>ATTACH: adds the socket to the channel's {@link ChannelGroup} and answers ATTACHED;</li>
 *   <li>MESSAGE: finds {@code action} and {@code channel} in the frame's bytes ({@link FrameScan},
 *       no object tree) and writes the very frame it received ({@code retainedDuplicate}) to each
 *       socket attached to that channel;</li>
 *   <li>CLOSE: answers CLOSED and closes the socket.</li>
 * </ul>
 *
 * <p>What it does not: no authentication (the key or token in the URL is not read; there is no
 * REST, so {@code connect --auth token} fails), no ACK or NACK, no history, no identity
 * (clientId), no message ids, timestamps or serials (a subscriber gets the publisher's frame
 * byte for byte), no echo suppression, no DETACH, presence, resume, heartbeats or limits. Every
 * other action is ignored. A channel's group is kept once made.
 *
 * <p>With {@code ack} ({@code raw-server --ack}) it also answers each MESSAGE with an ACK of one
 * message, {@code {"action":1,"msgSerial":n,"count":1}}, written as its own frame and flushed, as a
 * delivery is: n counts the connection's MESSAGE frames from 0, which is the msgSerial a client
 * that publishes only MESSAGEs gives them (the bench does). Every publish costs an Ably broker one
 * more socket write than a relay makes, and on loopback a write carries the receiving side's TCP
 * work too: this comparator has that write, so "hubbub ÷ raw with ACKs" is the cost of the
 * protocol's work alone (decode, identity, history, encode).
 *
 * <p>Without {@code ack}, no ACKs, because the bench does not need them: a publisher paces itself by the clock and its
 * socket's writability ({@code PubSubScenario.Publisher#tick}), never by ACKs, so it keeps
 * publishing. The only effects are at the end of a run: the drain waits its full {@code --drain}
 * for ACKs that never come, and the report's publish section shows every publish as
 * unacknowledged. The server's CPU is sampled at the end of the measured window, before the
 * drain, so CPU per delivery is unaffected.
 */
public final class RawBroadcastServer implements AutoCloseable {
    static final int ACK = 1;
    static final int CONNECTED = 4;
    static final int CLOSE = 7;
    static final int CLOSED = 8;
    static final int ATTACH = 10;
    static final int ATTACHED = 11;
    static final int MESSAGE = 15;
    private static final int MAX_FRAME = 16 * 1024 * 1024;
    private static final JsonFactory JSON = new JsonFactory();
    private static final JsonFactory MSGPACK = new MessagePackFactory();

    private final String host;
    private final int port;
    private final int threads;
    private final String ioTransport;
    private final boolean ack;
    /** With {@link #ack}: the MESSAGE frames a connection has sent so far (its next msgSerial). */
    private static final AttributeKey<long[]> PUBLISHED = AttributeKey.valueOf("raw.published");
    private final Map<String, ChannelGroup> channels = new ConcurrentHashMap<>();
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel listener;

    /** On epoll where it is available, else NIO. {@code threads} 0: one event loop per core, as hubbub's listener. */
    public RawBroadcastServer(String host, int port, int threads) {
        this(host, port, threads, "epoll");
    }

    /** {@code io}: {@code epoll} (NIO where epoll is missing), {@code io_uring} or {@code nio}. */
    public RawBroadcastServer(String host, int port, int threads, String io) {
        this(host, port, threads, io, false);
    }

    /** {@code ack}: answer each MESSAGE with an ACK (see the class comment). */
    public RawBroadcastServer(String host, int port, int threads, String io, boolean ack) {
        this.host = host;
        this.port = port;
        this.threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.ioTransport = io;
        this.ack = ack;
    }

    /** Binds and returns the bound address (port 0 picks a free port). */
    public InetSocketAddress start() throws InterruptedException {
        boolean uring = "io_uring".equals(ioTransport);
        boolean epoll = !uring && "epoll".equals(ioTransport) && Epoll.isAvailable();
        IoHandlerFactory io = uring ? IoUringIoHandler.newFactory() : epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> type = uring ? IoUringServerSocketChannel.class
                : epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        boss = new MultiThreadIoEventLoopGroup(1, io);
        workers = new MultiThreadIoEventLoopGroup(threads, io);
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/").checkStartsWith(true).allowExtensions(false)
                .maxFramePayloadLength(MAX_FRAME).withUTF8Validator(false).build();
        Relay relay = new Relay();
        listener = new ServerBootstrap()
                .group(boss, workers)
                .channel(type)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                new WebSocketServerProtocolHandler(ws), relay);
                    }
                })
                .bind(host, port).sync().channel();
        return (InetSocketAddress) listener.localAddress();
    }

    /** Completes when the listening socket closes. */
    public ChannelFuture closeFuture() {
        return listener.closeFuture();
    }

    /** Closes the listener and every connection. Idempotent. */
    @Override
    public void close() {
        if (listener != null) {
            listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        for (EventLoopGroup g : new EventLoopGroup[] {boss, workers}) {
            if (g != null) {
                g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The one handler every connection shares: no per-connection state. */
    @Sharable
    private final class Relay extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete hc) {
                List<String> format = new QueryStringDecoder(hc.requestUri()).parameters().get("format");
                String id = ctx.channel().id().asShortText();
                ctx.writeAndFlush(frame(ctx, format != null && format.contains("msgpack"), g -> {
                    g.writeNumberField("action", CONNECTED);
                    g.writeStringField("connectionId", id);
                    g.writeObjectFieldStart("connectionDetails");
                    g.writeStringField("connectionKey", id);
                    g.writeEndObject();
                }), ctx.voidPromise());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            boolean msgpack = frame instanceof BinaryWebSocketFrame;
            if (!msgpack && !(frame instanceof TextWebSocketFrame)) {
                return;
            }
            FrameScan scan = FrameScan.scan(frame.content(), msgpack);
            String name = scan.channel;
            switch (scan.action) {
                case MESSAGE -> {
                    if (ack) {
                        long[] published = ctx.channel().attr(PUBLISHED).get();
                        if (published == null) {
                            published = new long[1];
                            ctx.channel().attr(PUBLISHED).set(published);
                        }
                        ctx.writeAndFlush(ackFrame(ctx, msgpack, published[0]++), ctx.voidPromise());
                    }
                    ChannelGroup subscribers = name == null ? null : channels.get(name);
                    if (subscribers != null) {
                        for (Channel sub : subscribers) {
                            sub.writeAndFlush(frame.retainedDuplicate(), sub.voidPromise());
                        }
                    }
                }
                case ATTACH -> {
                    if (name != null) {
                        channels.computeIfAbsent(name, n -> new DefaultChannelGroup(n, ImmediateEventExecutor.INSTANCE))
                                .add(ctx.channel());
                        ctx.writeAndFlush(frame(ctx, msgpack, g -> {
                            g.writeNumberField("action", ATTACHED);
                            g.writeStringField("channel", name);
                        }), ctx.voidPromise());
                    }
                }
                case CLOSE -> ctx.writeAndFlush(frame(ctx, msgpack, g -> g.writeNumberField("action", CLOSED)))
                        .addListener(ChannelFutureListener.CLOSE);
                default -> { } // HEARTBEAT and everything else: ignored
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final byte[] ACK_JSON_HEAD = "{\"action\":1,\"msgSerial\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ACK_JSON_TAIL = ",\"count\":1}".getBytes(StandardCharsets.US_ASCII);

    /**
     * An ACK of one message, written byte by byte rather than through a generator: the comparator
     * should cost no more than the write itself. MessagePack: a map of three, msgSerial as a
     * positive fixint or a uint64.
     */
    static WebSocketFrame ackFrame(ChannelHandlerContext ctx, boolean msgpack, long msgSerial) {
        ByteBuf buf = ctx.alloc().buffer(48);
        if (msgpack) {
            buf.writeByte(0x83);
            buf.writeByte(0xa0 | 6).writeCharSequence("action", StandardCharsets.US_ASCII);
            buf.writeByte(ACK);
            buf.writeByte(0xa0 | 9).writeCharSequence("msgSerial", StandardCharsets.US_ASCII);
            if (msgSerial < 128) {
                buf.writeByte((int) msgSerial);
            } else {
                buf.writeByte(0xcf).writeLong(msgSerial);
            }
            buf.writeByte(0xa0 | 5).writeCharSequence("count", StandardCharsets.US_ASCII);
            buf.writeByte(1);
            return new BinaryWebSocketFrame(buf);
        }
        buf.writeBytes(ACK_JSON_HEAD);
        buf.writeCharSequence(Long.toString(msgSerial), StandardCharsets.US_ASCII);
        buf.writeBytes(ACK_JSON_TAIL);
        return new TextWebSocketFrame(buf);
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** One reply ProtocolMessage (a JSON text frame or a MessagePack binary frame) with {@code body}'s fields. */
    private static WebSocketFrame frame(ChannelHandlerContext ctx, boolean msgpack, Body body) {
        ByteBuf buf = ctx.alloc().buffer(64);
        try (JsonGenerator g = (msgpack ? MSGPACK : JSON).createGenerator((OutputStream) new ByteBufOutputStream(buf),
                JsonEncoding.UTF8)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        return msgpack ? new BinaryWebSocketFrame(buf) : new TextWebSocketFrame(buf);
    }
}
