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
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
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
    private final ConnectRequest request;
    private final ProtocolCodec codec;
    private final long maxBacklogBytes;
    private Session session;
    private NettyTransport transport;

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
        if (session != null) {
            this.transport = transport;
            long interval = TimeUnit.MILLISECONDS.toNanos(broker.limits().maxIdleInterval());
            ctx.executor().schedule(() -> heartbeat(ctx, interval), interval, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Sends a HEARTBEAT when nothing went out for maxIdleInterval, and re-arms for the moment the
     * connection would next have been quiet that long. (Netty's IdleStateHandler would do this too,
     * but it attaches a promise and a listener to every write, which the fan-out path cannot afford.)
     */
    private void heartbeat(ChannelHandlerContext ctx, long interval) {
        if (!ctx.channel().isActive() || session == null || session.isClosed()) {
            return;
        }
        long idle = transport.idleNanos();
        long next = interval;
        if (idle >= interval) {
            transport.send(ProtocolMessage.heartbeat(null));
        } else {
            next = interval - idle;
        }
        ctx.executor().schedule(() -> heartbeat(ctx, interval), next, TimeUnit.NANOSECONDS);
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
        // pongs only prove liveness, which the idle handler has already seen
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                if (idle.isFirst()) {
                    ctx.writeAndFlush(new PingWebSocketFrame());
                } else {
                    log.debug("{} silent past its ping; dropping", session == null ? "conn=?" : session.who());
                    ctx.close();
                }
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
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
