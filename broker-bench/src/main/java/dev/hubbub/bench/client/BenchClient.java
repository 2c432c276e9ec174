package dev.hubbub.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * Opens realtime connections on a small shared event loop group (the bench usually shares the
 * machine with the broker, so one or two threads). Enforces the run's connection cap: the
 * connection past the cap fails with code "limit" without touching the network.
 */
public final class BenchClient implements AutoCloseable {
    private static final int MAX_FRAME = 16 * 1024 * 1024;
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final long HANDSHAKE_TIMEOUT_MS = 10_000;

    private final Endpoint endpoint;
    private final WireCodec codec;
    private final EventLoopGroup group;
    private final SslContext ssl;
    private final int maxConnections;
    private final AtomicInteger opened = new AtomicInteger();

    public BenchClient(Endpoint endpoint, WireCodec.Format format, int threads, int maxConnections) {
        this.endpoint = endpoint;
        this.codec = new WireCodec(format);
        this.group = new MultiThreadIoEventLoopGroup(threads, SocketTransport.ioHandlerFactory());
        this.maxConnections = maxConnections;
        try {
            this.ssl = endpoint.tls() ? SslContextBuilder.forClient().build() : null;
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    public Endpoint endpoint() { return endpoint; }
    public WireCodec codec() { return codec; }
    public EventLoopGroup group() { return group; }
    /** Connections attempted so far (counted against the cap). */
    public int opened() { return opened.get(); }

    /** Starts one connection; watch {@link Connection#connected()} for the outcome. */
    public Connection open(Endpoint.Credentials credentials, ConnectionListener listener) {
        int index = opened.getAndIncrement();
        Connection conn = new Connection(index, codec, listener);
        if (index >= maxConnections) {
            conn.fail(new BenchFailure("limit", "connection cap of " + maxConnections + " reached"));
            return conn;
        }
        WebSocketClientProtocolConfig ws = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(endpoint.connectUri(credentials, codec.format()))
                .version(WebSocketVersion.V13)
                .allowExtensions(false)
                .maxFramePayloadLength(MAX_FRAME)
                .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS)
                .handleCloseFrames(true)
                .dropPongFrames(true)
                .withUTF8Validator(false)
                .build();
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(SocketTransport.channelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        addTls(ch);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("http", new HttpClientCodec());
                        p.addLast("http-aggregator", new HttpObjectAggregator(64 * 1024));
                        p.addLast("ws", new WebSocketClientProtocolHandler(ws));
                        p.addLast("ws-aggregator", new WebSocketFrameAggregator(MAX_FRAME));
                        p.addLast("realtime", conn);
                    }
                });
        ChannelFuture cf = b.connect(endpoint.host(), endpoint.port());
        conn.bind(cf.channel());
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                conn.fail(f.cause());
            }
        });
        return conn;
    }

    /** Adds the TLS handler first in the pipeline for wss:// endpoints. */
    void addTls(SocketChannel ch) {
        if (ssl != null) {
            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc(), endpoint.host(), endpoint.port()));
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
