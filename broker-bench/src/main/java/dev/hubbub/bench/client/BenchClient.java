package dev.hubbub.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
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
        Bootstrap b = WebSocketClients.bootstrap(group, endpoint.connectUri(credentials, codec.format()), this::addTls,
                "realtime", conn);
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
