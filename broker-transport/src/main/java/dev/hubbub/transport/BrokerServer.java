package dev.hubbub.transport;

import dev.hubbub.core.session.Connector;
import dev.hubbub.core.session.Limits;
import dev.hubbub.transport.http.RateLimitRefusal;
import dev.hubbub.transport.http.RequestGate;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.tls.TlsOnlyHandler;
import dev.hubbub.transport.tls.TransportSecurity;
import dev.hubbub.transport.ws.BacklogLimit;
import dev.hubbub.transport.ws.HttpEntryHandler;
import dev.hubbub.transport.ws.PipelineNames;
import dev.hubbub.transport.ws.RealtimeHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network listener: one port for WebSocket realtime connections and REST. Uses epoll where
 * available, NIO otherwise.
 */
public final class BrokerServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerServer.class);

    /**
     * Listener settings. {@code ioThreads} 0 means one event loop per core: nothing blocks the
     * loops, so more loops than cores only adds context switches (on 2 cores, 2 loops gave about
     * 5% less CPU per fan-out delivery and a lower p50 than Netty's default of 2 x cores).
     * {@code closeLingerMillis}: when the broker ends a connection with a last frame (ERROR,
     * DISCONNECTED, CLOSED), how long the client gets to read it and close by itself before the
     * broker closes. An SDK whose socket is closed under it reports a transport failure and retries
     * instead of acting on the error (ably-java given 40102 would retry forever).
     * {@code maxRequestBytes}: body cap of an authenticated REST request. {@code listener}: what is
     * enforced before a request reaches the routes ({@link ListenerLimits}). {@code io}: how the
     * event loops do socket I/O ({@link IoTransport}).
     */
    public record Options(String host, int port, int ioThreads, long maxBacklogBytes, int maxRequestBytes,
                          long closeLingerMillis, ListenerLimits listener, IoTransport io) {
        public static final long DEFAULT_CLOSE_LINGER_MILLIS = 1000;

        public Options {
            java.util.Objects.requireNonNull(io);
        }

        /** With the I/O transport chosen for this machine ({@link IoTransport#AUTO}). */
        public Options(String host, int port, int ioThreads, long maxBacklogBytes, int maxRequestBytes, long closeLingerMillis,
                       ListenerLimits listener) {
            this(host, port, ioThreads, maxBacklogBytes, maxRequestBytes, closeLingerMillis, listener, IoTransport.AUTO);
        }

        /** With the default listener limits. */
        public Options(String host, int port, int ioThreads, long maxBacklogBytes, int maxRequestBytes, long closeLingerMillis) {
            this(host, port, ioThreads, maxBacklogBytes, maxRequestBytes, closeLingerMillis, ListenerLimits.defaults());
        }

        public static Options defaults(String host, int port) {
            return new Options(host, port, 0, 8L * 1024 * 1024, 1024 * 1024, DEFAULT_CLOSE_LINGER_MILLIS);
        }
    }

    /** An HTTP (not yet upgraded) connection idle this long is closed. */
    static final int HTTP_IDLE_SECONDS = 60;
    /** A connection refused by the connection rate that sends no request is closed after this long. */
    static final int REFUSED_IDLE_SECONDS = 5;
    /**
     * Longest request line (method, URI, version): room for a realistic JWT in a connect URL
     * ({@code ?accessToken=}, often 5 to 12 KB) with the other parameters. Past it: 414 (41400).
     */
    public static final int MAX_INITIAL_LINE_BYTES = 16 * 1024;
    /** Largest header block (all headers together), e.g. a long JWT in {@code Authorization}. Past it: 431 (43100). */
    public static final int MAX_HEADER_BYTES = 16 * 1024;

    private final Connector connector;
    private final RestHandler rest;
    private final Limits limits;
    private final Options options;
    private final TransportSecurity security;
    /** The I/O transport the listener runs, once started. */
    private volatile IoTransport transport;
    private final ConnectionRateLimiter attempts;
    /** What a connection may have unsent: {@code maxBacklogBytes}, less while the node is short of direct memory. */
    private final BacklogLimit backlog;
    private final MemoryPressure pressure;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;
    /** Every accepted connection still open (REST and realtime); a drain waits for them. */
    private final io.netty.channel.group.ChannelGroup open =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    public BrokerServer(Connector connector, RestHandler rest, Limits limits, Options options) {
        this(connector, rest, limits, options, TransportSecurity.NONE);
    }

    /** @param security TLS on this port (wss:// and https:// only) and the plaintext key policy */
    public BrokerServer(Connector connector, RestHandler rest, Limits limits, Options options, TransportSecurity security) {
        this.connector = connector;
        this.rest = rest;
        this.limits = limits;
        this.options = options;
        this.security = security;
        this.attempts = new ConnectionRateLimiter(options.listener().connectionRate());
        this.pressure = options.listener().memoryPressure();
        this.backlog = new BacklogLimit(options.maxBacklogBytes(), pressure.backlogBytes());
    }

    /** Binds and returns the bound address (port 0 picks a free port). */
    public InetSocketAddress start() throws InterruptedException {
        IoTransport transport = options.io().resolve();
        IoHandlerFactory io = transport.handlerFactory();
        Class<? extends ServerChannel> channelType = transport.serverChannel();
        this.transport = transport;
        // named threads: log lines and the per-loop metrics (netty_eventexecutor_tasks_pending{name=...}) say which
        boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hubbub-accept"), io);
        int loops = options.ioThreads() > 0 ? options.ioThreads() : Runtime.getRuntime().availableProcessors();
        workers = new MultiThreadIoEventLoopGroup(loops, new DefaultThreadFactory("hubbub-io"), io);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, allocator())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        open.add(ch);
                        if (!attempts.tryAcquire(ch.remoteAddress())) {
                            configureRefused(ch.pipeline(), security, attempts.retryAfterSeconds());
                            return;
                        }
                        configure(ch.pipeline(), connector, rest, limits, options, security, backlog);
                    }
                });
        serverChannel = b.bind(options.host(), options.port()).sync().channel();
        boss.scheduleAtFixedRate(this::checkMemory, MEMORY_CHECK_MILLIS, MEMORY_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** How often the direct memory in use is compared with the pressure marks. */
    static final long MEMORY_CHECK_MILLIS = 100;

    /** While the node is under pressure, every this many checks (and at its start) each connection's backlog is checked. */
    static final int SWEEP_EVERY_CHECKS = 10;
    private int checksUnderPressure; // accept loop only

    /**
     * On the accept loop: puts the node under memory pressure, or takes it off, from the direct
     * memory in use ({@link MemoryPressure#directMemoryInUse}). At its start, and every second while
     * it lasts, every connection's backlog is held to the lower limit at once: one that fell behind
     * and is sent nothing more would otherwise keep what it had not taken until its next frame (a
     * heartbeat, up to maxIdleInterval later).
     */
    private void checkMemory() {
        long used = directMemoryInUse();
        if (used < 0) {
            return; // nothing says
        }
        boolean on = pressure.pressed(backlog.pressed(), used);
        if (backlog.press(on)) {
            if (on) {
                log.warn("memory pressure: {} of direct memory in use, over the mark of {}; connections with more "
                        + "than {} unsent are dropped until it is under {}", size(used), size(pressure.aboveBytes()),
                        size(backlog.underPressureBytes()), size(pressure.belowBytes()));
                checksUnderPressure = 0;
            } else {
                log.info("memory pressure over: {} of direct memory in use", size(used));
            }
        }
        if (on && checksUnderPressure++ % SWEEP_EVERY_CHECKS == 0) {
            int dropped = holdBacklogsToTheLimit();
            if (dropped > 0) {
                log.info("memory pressure: {} connections with more than {} unsent dropped", dropped,
                        size(backlog.underPressureBytes()));
            }
        }
    }

    /** Bytes as the log says them: MiB from 1 MiB, else KiB. */
    static String size(long bytes) { return bytes >= 1 << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB"; }

    /**
     * Checks every realtime connection's backlog against the limit now; each one past it is reported
     * overloaded (and, under pressure, closed at once on its own loop). Returns how many were. Any thread:
     * it reads counters only.
     */
    int holdBacklogsToTheLimit() {
        int over = 0;
        for (Channel ch : open) {
            RealtimeHandler realtime = ch.pipeline().get(RealtimeHandler.class);
            if (realtime != null && realtime.checkBacklog()) {
                over++;
            }
        }
        return over;
    }

    /**
     * Direct memory in use in this JVM ({@link MemoryPressure#directMemoryInUse}), else what the
     * connections' allocator has in use, or -1 if neither says.
     */
    public long directMemoryInUse() {
        long used = MemoryPressure.directMemoryInUse();
        if (used >= 0) {
            return used;
        }
        return allocator() instanceof ByteBufAllocatorMetricProvider metered ? metered.metric().usedDirectMemory() : -1;
    }

    /** What a connection may have unsent now, and whether the node is under memory pressure. */
    public BacklogLimit backlogLimit() { return backlog; }

    /** The I/O transport the listener runs (never {@link IoTransport#AUTO}); null until {@link #start}. */
    public IoTransport transport() { return transport; }

    /** A new connection's pipeline on a plain listener: see {@link #configure(ChannelPipeline, Connector, RestHandler, Limits, Options, TransportSecurity)}. */
    public static void configure(ChannelPipeline pipeline, Connector connector, RestHandler rest, Limits limits,
                                 Options options) {
        configure(pipeline, connector, rest, limits, options, TransportSecurity.NONE);
    }

    /**
     * A new connection's pipeline, in order: on a TLS listener the TLS handler (which refuses
     * plaintext), an idle timeout for plain HTTP, the HTTP codec, the gate that reads a body only
     * for a request it admits from its head ({@link RequestGate}), the aggregator, then the entry
     * handler that either serves REST or upgrades to a realtime WebSocket. No flush consolidation:
     * realtime writes are already batched per event loop with one flush per connection
     * ({@code EventLoopWriter}).
     */
    public static void configure(ChannelPipeline pipeline, Connector connector, RestHandler rest, Limits limits,
                                 Options options, TransportSecurity security) {
        configure(pipeline, connector, rest, limits, options, security, BacklogLimit.fixed(options.maxBacklogBytes()));
    }

    private static void configure(ChannelPipeline pipeline, Connector connector, RestHandler rest, Limits limits,
                                  Options options, TransportSecurity security, BacklogLimit backlog) {
        ListenerLimits listener = options.listener();
        front(pipeline, security, HTTP_IDLE_SECONDS)
                .addLast(PipelineNames.HTTP_GATE, new RequestGate(rest.auth(), new RequestGate.Settings(
                        options.maxRequestBytes(), listener.maxTokenRequestBytes(), listener.requestBodyTimeoutMillis())))
                // the gate holds every body to its own (smaller or equal) cap first
                .addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(
                        Math.max(options.maxRequestBytes(), listener.maxTokenRequestBytes())))
                .addLast(PipelineNames.HTTP_ENTRY, new HttpEntryHandler(connector, rest, limits, options, security, backlog));
    }

    /** The pipeline of a connection over its address's connection rate: its first request is answered 429 (42922). */
    static void configureRefused(ChannelPipeline pipeline, TransportSecurity security, long retryAfterSeconds) {
        front(pipeline, security, REFUSED_IDLE_SECONDS)
                .addLast(PipelineNames.RATE_REFUSED, new RateLimitRefusal(retryAfterSeconds));
    }

    /** TLS when configured, the idle timeout, the HTTP codec with this listener's line and header limits. */
    private static ChannelPipeline front(ChannelPipeline pipeline, TransportSecurity security, int idleSeconds) {
        if (security.tls() != null) {
            pipeline.addLast(PipelineNames.TLS_ONLY, new TlsOnlyHandler(security.tls()::context, PipelineNames.TLS));
        }
        return pipeline.addLast(PipelineNames.HTTP_IDLE, new IdleStateHandler(0, 0, idleSeconds, TimeUnit.SECONDS))
                .addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(MAX_INITIAL_LINE_BYTES)
                        .setMaxHeaderSize(MAX_HEADER_BYTES)));
    }

    /**
     * Stops accepting new connections (closes the listening socket); connections already accepted
     * stay open. Idempotent.
     */
    public void stopAccepting() {
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Connections refused so far by the per-address connection rate (42922). */
    public long refusedForRate() { return attempts.refused(); }

    /** The event loops that serve connections (for their metrics); null before {@link #start()}. */
    public EventLoopGroup workers() { return workers; }

    /**
     * The allocator connections' buffers come from (for its metrics): Netty's default, which is
     * the adaptive allocator in Netty 4.2 unless {@code -Dio.netty.allocator.type} says otherwise.
     */
    public ByteBufAllocator allocator() { return ByteBufAllocator.DEFAULT; }

    /** Accepted connections still open. */
    public int openConnections() { return open.size(); }

    @Override
    public void close() {
        // bounded waits: a stop must never hang, whatever state a loop is in
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        var stopping = new java.util.ArrayList<io.netty.util.concurrent.Future<?>>();
        for (EventLoopGroup group : new EventLoopGroup[] {boss, workers}) {
            if (group != null) {
                stopping.add(group.shutdownGracefully(0, 2, TimeUnit.SECONDS));
            }
        }
        for (var f : stopping) {
            f.awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
