package dev.hubbub.transport.ws;

import dev.hubbub.core.log.LogText;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.core.session.Connector;
import dev.hubbub.core.session.DisconnectReason;
import dev.hubbub.core.session.Limits;
import dev.hubbub.core.session.Session;
import dev.hubbub.transport.codec.DecodeResult;
import dev.hubbub.transport.codec.ProtocolCodec;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
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
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import dev.hubbub.core.protocol.ProtocolMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound bridge for one realtime connection: decodes each data frame by the connection's
 * negotiated format (never by frame type: ably-java sends JSON in binary frames) and calls the
 * core {@link Session}. Also answers pings, sends heartbeats when the connection has been quiet
 * for maxIdleInterval, and notices connections that stay silent past a ping. What ends a
 * connection (silence, a bad frame, a socket closed under us, a subscriber that cannot keep up)
 * is reported to the session, which decides what the client is told; this handler only carries
 * that out through its {@link NettyTransport}.
 *
 * <p>A connection whose replies pile up is not read from: once what it has been sent and not yet
 * taken passes the channel's write buffer high-water mark (1 MiB in the server), the handler stops
 * reading (autoRead off), so a client that sends requests (SYNC, ATTACH, ...) without reading the
 * answers cannot make the broker hold more than that for it; reading resumes once the backlog is
 * under the low-water mark (256 KiB). Frames already read are still handled, each within the
 * transport's backlog limit (80020 past it).
 */
public final class RealtimeHandler extends SimpleChannelInboundHandler<WebSocketFrame> implements LoopTimers.Timer {
    private static final Logger log = LoggerFactory.getLogger(RealtimeHandler.class);

    private final Connector connector;
    private ConnectRequest request; // until the session opens: it carries the credentials
    private final ProtocolCodec codec;
    private final Limits limits;
    private final BacklogLimit backlog;
    private final long lingerMillis;
    /**
     * The client said it sees WebSocket pings ({@code heartbeats=false}, as ably-js on Node and
     * ably-java do; RTN23b): a ping alone then keeps its connection alive, with no HEARTBEAT.
     */
    private final boolean pingsSuffice;
    private static final long NOT_PINGED = Long.MIN_VALUE;

    private Session session;
    private NettyTransport transport;
    // liveness, all on the event loop; set when the handshake completes
    private ChannelHandlerContext ctx;
    // this handler is its connection's liveness timer in the loop's wheel (transport.writer().timers())
    private long timerDue; // the wheel's bookkeeping (see LoopTimers.Timer)
    private LoopTimers.Timer timerNext;
    private LoopTimers.Timer timerPrev;
    private long lastReadNanos;
    private long pingSentNanos = NOT_PINGED;
    /** Reads are paused (autoRead off) until the backlog is back under the low-water mark. */
    private boolean readsPaused;
    /** The resume check is scheduled (at most one at a time). */
    private boolean resumeCheckPending;
    /** How often a paused connection's backlog is looked at, besides Netty's writability events. */
    static final long RESUME_CHECK_MILLIS = 50;

    /**
     * @param lingerMillis how long a client gets to read the last frame of a connection the broker
     *                     ends and close by itself (see {@link NettyTransport#close})
     */
    public RealtimeHandler(Connector connector, ConnectRequest request, ProtocolCodec codec, Limits limits,
                           BacklogLimit backlog, long lingerMillis) {
        this(connector, request, codec, limits, backlog, lingerMillis, false);
    }

    /**
     * @param pingsSuffice the client asked for {@code heartbeats=false}: it sees WebSocket pings,
     *                     so the broker keeps it alive with pings alone (else with HEARTBEATs too)
     */
    public RealtimeHandler(Connector connector, ConnectRequest request, ProtocolCodec codec, Limits limits,
                           BacklogLimit backlog, long lingerMillis, boolean pingsSuffice) {
        this.connector = connector;
        this.request = request;
        this.codec = codec;
        this.limits = limits;
        this.backlog = backlog;
        this.lingerMillis = lingerMillis;
        this.pingsSuffice = pingsSuffice;
    }

    /** With a backlog limit that memory pressure never lowers. */
    public RealtimeHandler(Connector connector, ConnectRequest request, ProtocolCodec codec, Limits limits,
                           long maxBacklogBytes, long lingerMillis) {
        this(connector, request, codec, limits, BacklogLimit.fixed(maxBacklogBytes), lingerMillis);
    }

    /** Opens the core session: called once the handshake has completed, on the event loop. */
    public void start(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // a last frame stuck behind a slow reader's backlog gets one idle interval to go out
        NettyTransport transport = new NettyTransport(ctx.channel(), codec, backlog, lingerMillis,
                limits.maxIdleInterval(), this::overloaded);
        session = connector.connect(request, transport);
        request = null;
        this.transport = session != null ? transport : null;
        this.lastReadNanos = EventLoopWriter.nanoTime(ctx.channel().eventLoop());
        if (session != null) { // a refused connection just closes, within the transport's linger
            transport.writer().timers().add(this, lastReadNanos + dueNanos(intervalNanos()));
        }
    }

    /**
     * The connection's one timer, for both directions of liveness, re-armed for whichever is due
     * first. Outbound: something when nothing went out for maxIdleInterval, a WebSocket ping for a
     * client that sees pings ({@code heartbeats=false}), else a HEARTBEAT. Inbound: a ping when
     * nothing came in for maxIdleInterval, and a drop when nothing (not even a pong) came in for
     * another interval after a ping. A connection quiet both ways is thus sent one frame a round
     * (a ping, which its pong answers) or, for a client that needs HEARTBEATs, two in one write:
     * at a million idle connections a round is a million writes, and each is a system call.
     * (Netty's IdleStateHandler would cost a handler, a second timer per connection and, for write
     * idleness, a promise and a listener on every write.) The timer is this handler itself, in its
     * loop's {@link LoopTimers} wheel: no Netty scheduled task per connection, and nothing
     * allocated to re-arm it; it fires up to a wheel tick after it is due. Once the session is over
     * (or never opened) the timer stops: the transport closes the connection within its linger.
     *
     * <p>"Quiet for maxIdleInterval" is, for each connection, a little less: the interval less a
     * slack of up to a quarter of it, fixed per connection (from its channel id; see
     * {@link #slackNanos}). Connections opened together (a load test, a reconnect storm after a
     * restart) would otherwise all be due in the same wheel tick, each round: 1,000 pings or
     * heartbeats written in one tick held the loop for about 100 ms. With the slack their rounds
     * fall over a quarter of the interval and stay apart, since each connection's period is its
     * own. Early is harmless: a client only needs something at least every maxIdleInterval. The
     * drop still waits a whole interval after the ping.
     */
    private void tick() {
        if (!ctx.channel().isActive() || session == null || session.isClosed()) {
            return;
        }
        long interval = intervalNanos();
        long due = dueNanos(interval);
        long now = EventLoopWriter.nanoTime(ctx.channel().eventLoop());
        if (pingSentNanos != NOT_PINGED && lastReadNanos - pingSentNanos >= 0) {
            pingSentNanos = NOT_PINGED; // something (a pong, at least) came in since the ping
        }
        boolean quietIn = now - lastReadNanos >= due;
        if (quietIn && pingSentNanos != NOT_PINGED && now - pingSentNanos >= interval) {
            session.end(DisconnectReason.IDLE_TIMEOUT, null);
            return;
        }
        boolean keepAliveDue = transport.idleNanos() >= due;
        boolean ping = quietIn && pingSentNanos == NOT_PINGED || keepAliveDue && pingsSuffice;
        if (keepAliveDue && !pingsSuffice) {
            transport.send(ProtocolMessage.heartbeat(null));
        }
        if (ping) {
            transport.ping(); // after the HEARTBEAT, if any: both go out in the loop's next write
            if (pingSentNanos == NOT_PINGED) {
                pingSentNanos = now; // the first unanswered ping: keep-alive pings must not postpone the drop
            }
        }
        long untilKeepAlive = keepAliveDue ? due : due - transport.idleNanos();
        long untilReadCheck = pingSentNanos != NOT_PINGED ? interval - (now - pingSentNanos) : due - (now - lastReadNanos);
        transport.writer().timers().add(this, now + Math.min(untilKeepAlive, untilReadCheck));
    }

    /** maxIdleInterval in nanoseconds (from the shared limits rather than a copy per connection). */
    private long intervalNanos() { return TimeUnit.MILLISECONDS.toNanos(limits.maxIdleInterval()); }

    /** How long this connection may be quiet, either way, before its heartbeat or ping: the interval less its slack. */
    private long dueNanos(long interval) { return interval - slackNanos(ctx.channel().id().hashCode(), interval); }

    /**
     * A connection's slack, in [0, interval / 4): the channel id's hash, mixed (Fibonacci hashing)
     * so that ids differing in a few bits still land far apart, as a fraction of a quarter of the
     * interval. Computed when needed rather than kept: it costs a multiply, and a field would cost
     * every connection.
     */
    static long slackNanos(int channelIdHash, long interval) {
        long mixed = (channelIdHash * 0x9E3779B9L) & 0xFFFFFFFFL; // the top of these 32 bits depends on every bit of the hash
        return (long) (interval / 4 * (mixed / 4294967296.0));
    }

    @Override
    public void timerFired() { tick(); }

    // the wheel's bookkeeping, kept in this handler so that its liveness timer costs no object of its own
    @Override public long timerDue() { return timerDue; }
    @Override public void timerDue(long tick) { timerDue = tick; }
    @Override public LoopTimers.Timer timerNext() { return timerNext; }
    @Override public void timerNext(LoopTimers.Timer next) { timerNext = next; }
    @Override public LoopTimers.Timer timerPrev() { return timerPrev; }
    @Override public void timerPrev(LoopTimers.Timer prev) { timerPrev = prev; }

    /**
     * Holds this connection's unsent backlog to its limit now, as its next frame would: past it, the
     * connection is reported overloaded and ends (under memory pressure at once). Whether it was found
     * past the limit just now. Any thread: it reads the transport's counters only (a connection whose
     * session opened a moment ago may not be seen yet, and is checked on its next frame).
     */
    public boolean checkBacklog() {
        NettyTransport t = transport;
        return t != null && t.checkBacklog();
    }

    /** The transport's backlog passed its bound (any thread): the connection ends, on its loop. */
    private void overloaded() {
        try {
            ctx.executor().execute(() -> end(DisconnectReason.SLOW_CONSUMER, null));
        } catch (RejectedExecutionException closing) {
            // the connection's loop is shutting down: it ends with it (never the publisher's problem)
        }
    }

    /**
     * Anything read, pongs included, proves the client alive; noted once per read batch. The event
     * ends here: this handler is the pipeline's last, and passing it on would only read the tail's
     * context (cold by a connection's next read) to reach Netty's no-op.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (this.ctx != null) {
            lastReadNanos = EventLoopWriter.nanoTime(ctx.channel().eventLoop());
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
        if (!frame.isFinalFragment() && (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)
                && ctx.pipeline().get(PipelineNames.WS_AGGREGATOR) == null) {
            aggregateFromNowOn(ctx, frame);
            return;
        }
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
            pauseReadsIfBacklogged();
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            pauseReadsIfBacklogged();
        } else if (frame instanceof CloseWebSocketFrame) {
            ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(f -> ctx.close());
        }
        // pongs only prove liveness, which channelReadComplete has already noted
    }

    /**
     * The first message a client sends in fragments: a {@link WebSocketFrameAggregator} (bounded by
     * maxFrameSize, as a single frame is) goes in before this handler and the fragment goes through
     * it, as do the rest. The SDKs send every message whole, so a connection holds no aggregator (a
     * handler and its context, about 110 bytes) until it needs one.
     */
    private void aggregateFromNowOn(ChannelHandlerContext ctx, WebSocketFrame first) throws Exception {
        ctx.pipeline().addBefore(ctx.name(), PipelineNames.WS_AGGREGATOR, new WebSocketFrameAggregator(limits.maxFrameSize()));
        ChannelHandlerContext before = ctx.pipeline().context(PipelineNames.WS_AGGREGATOR);
        ((ChannelInboundHandler) before.handler()).channelRead(before, first.retain()); // ours is released by the caller
    }

    /** Stops reading while the connection's backlog is over the high-water mark (on the event loop). */
    private void pauseReadsIfBacklogged() {
        if (readsPaused || transport == null || ctx == null) {
            return;
        }
        if (transport.backlogBytes() > ctx.channel().config().getWriteBufferHighWaterMark()) {
            readsPaused = true;
            ctx.channel().config().setAutoRead(false);
            log.debug("{} reads paused: {} bytes not yet taken by the client", session.who(), transport.backlogBytes());
            scheduleResumeCheck();
        }
    }

    private void scheduleResumeCheck() {
        if (!resumeCheckPending) {
            resumeCheckPending = true;
            // only while reads are paused (rare, and short): a Netty task, and its method reference made only then
            ctx.executor().schedule(this::resumeCheck, RESUME_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private void resumeCheck() {
        resumeCheckPending = false;
        if (!resumeReadsIfDrained()) {
            scheduleResumeCheck();
        }
    }

    /** Reads again once the backlog is under the low-water mark; true unless reads stay paused. */
    private boolean resumeReadsIfDrained() {
        if (!readsPaused || !ctx.channel().isActive()) {
            return true; // nothing to wait for
        }
        if (transport.backlogBytes() > ctx.channel().config().getWriteBufferLowWaterMark()) {
            return false;
        }
        readsPaused = false;
        ctx.channel().config().setAutoRead(true);
        log.debug("{} reads resumed", session.who());
        return true;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (transport != null) {
            transport.writabilityChanged(ctx.channel().isWritable());
        }
        if (readsPaused && ctx.channel().isWritable()) {
            resumeReadsIfDrained(); // the outbound buffer fell under the low-water mark: at once, not at the next check
        }
        super.channelWritabilityChanged(ctx);
    }

    /** For tests: whether reads are paused. */
    boolean readsPaused() { return readsPaused; }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (transport != null) {
            transport.closed(); // before the session ends: it takes no more frames from here on
            transport.writer().timers().remove(this); // at once, rather than when it would next have fired
        }
        end(DisconnectReason.TRANSPORT_LOST, null);
        super.channelInactive(ctx);
    }

    /** Reports the end of the connection to its session (on the event loop); without one (refused), just closes. */
    private void end(DisconnectReason reason, ErrorInfo error) {
        if (session != null) {
            session.end(reason, error);
        } else if (ctx != null && reason != DisconnectReason.TRANSPORT_LOST) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String who = session == null ? "conn=?" : session.who();
        if (cause instanceof CorruptedWebSocketFrameException || cause instanceof TooLongFrameException
                || cause instanceof CorruptedFrameException) {
            log.debug("{} bad frame: {}", who, LogText.untrusted(cause.getMessage(), LogText.MESSAGE_BUDGET));
            end(DisconnectReason.FRAME_REJECTED, ErrorCode.MESSAGE_TOO_LARGE.info("Frame rejected: " + cause.getMessage()
                    + " (maxFrameSize is " + limits.maxFrameSize() + " bytes)"));
            return;
        }
        // resets, broken pipes, shutdown, a TLS stream that broke (SslHandler wraps its SSLException): routine for a network server
        if (cause instanceof java.io.IOException || cause.getCause() instanceof javax.net.ssl.SSLException) {
            log.debug("{} connection error: {}", who, LogText.untrusted(cause.toString(), LogText.MESSAGE_BUDGET));
            ctx.close(); // the session hears of it as TRANSPORT_LOST
            return;
        }
        log.warn("{} unexpected error; ending the connection", who, cause);
        end(DisconnectReason.INTERNAL_ERROR, null);
    }

    Session session() { return session; }
}
