package dev.hubbub.transport.ws;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.session.Broker;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.core.session.Session;
import dev.hubbub.transport.codec.DecodeResult;
import dev.hubbub.transport.codec.ProtocolCodec;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.concurrent.TimeUnit;
import dev.hubbub.core.protocol.ProtocolMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound bridge for one realtime connection: decodes each data frame by the connection's
 * negotiated format (never by frame type: ably-java sends JSON in binary frames) and calls the
 * core {@link Session}. Also answers pings, sends heartbeats when the connection has been quiet
 * for maxIdleInterval, and drops connections that stay silent past a ping.
 */
public final class RealtimeHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(RealtimeHandler.class);

    private final Broker broker;
    private ConnectRequest request; // until the session opens: it carries the credentials
    private final ProtocolCodec codec;
    private final long maxBacklogBytes;
    private static final long NOT_PINGED = Long.MIN_VALUE;
    private static final long NOT_CLOSING = Long.MIN_VALUE;

    private Session session;
    private NettyTransport transport;
    // liveness, all on the event loop; set when the handshake completes
    private final Runnable tick = this::tick;
    private ChannelHandlerContext ctx;
    private long intervalNanos;
    private long lastReadNanos;
    private long pingSentNanos = NOT_PINGED;
    private long closingSinceNanos = NOT_CLOSING;

    public RealtimeHandler(Broker broker, ConnectRequest request, ProtocolCodec codec, long maxBacklogBytes) {
        this.broker = broker;
        this.request = request;
        this.codec = codec;
        this.maxBacklogBytes = maxBacklogBytes;
    }

    /** Opens the core session: called once the handshake has completed, on the event loop. */
    public void start(ChannelHandlerContext ctx) {
        NettyTransport transport = new NettyTransport(ctx.channel(), codec, maxBacklogBytes, t ->
                ctx.executor().execute(() -> {
                    if (session != null) {
                        broker.metrics().slowConsumer();
                        log.info("{} disconnected: cannot keep up", session.who());
                        session.disconnect(ErrorCode.SLOW_CONSUMER.info(
                                "Disconnected: the client could not keep up with the rate of messages"));
                    }
                }));
        session = broker.connect(request, transport);
        request = null;
        this.transport = session != null ? transport : null;
        this.ctx = ctx;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(broker.limits().maxIdleInterval());
        this.lastReadNanos = EventLoopWriter.nanoTime(ctx.channel().eventLoop());
        ctx.executor().schedule(tick, intervalNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The connection's one timer, for both directions of liveness, re-armed for whichever is due
     * first. Outbound: a HEARTBEAT when nothing went out for maxIdleInterval. Inbound: a WebSocket
     * ping when nothing came in for maxIdleInterval, and a drop when the ping got nothing back
     * within another. (Netty's IdleStateHandler would cost a handler, a second timer per connection
     * and, for write idleness, a promise and a listener on every write.) Once the session is over
     * (or never opened) the connection only has its last frames to send: if it is still open one
     * interval later, its peer is not reading them, and it is closed without them.
     */
    private void tick() {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (session == null || session.isClosed()) {
            long now = EventLoopWriter.nanoTime(ctx.channel().eventLoop());
            if (closingSinceNanos == NOT_CLOSING) {
                closingSinceNanos = now;
                ctx.executor().schedule(tick, intervalNanos, TimeUnit.NANOSECONDS);
            } else if (now - closingSinceNanos >= intervalNanos) {
                log.debug("{} closing frames not taken within maxIdleInterval; closing",
                        session == null ? "conn=?" : session.who());
                ctx.close();
            } else {
                ctx.executor().schedule(tick, intervalNanos - (now - closingSinceNanos), TimeUnit.NANOSECONDS);
            }
            return;
        }
        long interval = intervalNanos;
        long untilHeartbeat = interval - transport.idleNanos();
        if (untilHeartbeat <= 0) {
            transport.send(ProtocolMessage.heartbeat(null));
            untilHeartbeat = interval;
        }
        long now = EventLoopWriter.nanoTime(ctx.channel().eventLoop());
        if (pingSentNanos != NOT_PINGED && lastReadNanos - pingSentNanos >= 0) {
            pingSentNanos = NOT_PINGED; // something (a pong, at least) came in since the ping
        }
        long untilReadCheck;
        if (now - lastReadNanos < interval) {
            untilReadCheck = interval - (now - lastReadNanos);
        } else if (pingSentNanos == NOT_PINGED) {
            ctx.writeAndFlush(new PingWebSocketFrame());
            pingSentNanos = now;
            untilReadCheck = interval;
        } else if (now - pingSentNanos >= interval) {
            log.debug("{} silent past its ping; dropping", session.who());
            ctx.close();
            return;
        } else {
            untilReadCheck = interval - (now - pingSentNanos);
        }
        ctx.executor().schedule(tick, Math.min(untilHeartbeat, untilReadCheck), TimeUnit.NANOSECONDS);
    }

    /** Anything read, pongs included, proves the client alive; noted once per read batch. */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (this.ctx != null) {
            lastReadNanos = EventLoopWriter.nanoTime(ctx.channel().eventLoop());
        }
        super.channelReadComplete(ctx);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
            if (session == null) {
                return;
            }
            DecodeResult result = codec.decode(frame.content());
            if (result.isOk()) {
                session.handle(result.message());
            } else {
                session.malformed(result.error(), result.msgSerial(), result.channel());
            }
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame) {
            ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(f -> ctx.close());
        }
        // pongs only prove liveness, which channelReadComplete has already noted
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (session != null) {
            session.transportClosed();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException || cause instanceof TooLongFrameException
                || cause instanceof CorruptedFrameException) {
            log.debug("{} bad frame: {}", session == null ? "conn=?" : session.who(), cause.getMessage());
            var error = ErrorCode.MESSAGE_TOO_LARGE.info("Frame rejected: " + cause.getMessage()
                    + " (maxFrameSize is " + broker.limits().maxFrameSize() + " bytes)");
            if (session != null) {
                session.fail(error);
            } else {
                ctx.close();
            }
            return;
        }
        if (cause instanceof java.io.IOException) { // resets, broken pipes, shutdown: routine for a network server
            log.debug("{} connection error: {}", session == null ? "conn=?" : session.who(), cause.toString());
        } else {
            log.warn("{} unexpected error; closing", session == null ? "conn=?" : session.who(), cause);
        }
        ctx.close();
    }

    Session session() { return session; }
}
