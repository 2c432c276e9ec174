package dev.hubbub.transport;

import dev.hubbub.transport.http.AdminHandler;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.ws.PipelineNames;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener ({@code server.admin}): plain HTTP for the operator's probes and scrapes
 * ({@code /metrics}, {@code /health}, {@code /ready}), apart from the public port. One event loop
 * of its own, so a scrape never runs on the loops that serve clients; small requests only; idle
 * connections closed. No TLS: bind it to loopback or a private network.
 */
public final class AdminServer implements AutoCloseable {
    /** The largest request (headers aside) it reads: the probes take no body. */
    static final int MAX_REQUEST_BYTES = 8 * 1024;
    /** A connection that sends nothing for this long is closed. */
    static final int IDLE_SECONDS = 30;

    private final String host;
    private final int port;
    private final List<RestHandler.Route> routes;
    private EventLoopGroup loop;
    private Channel serverChannel;

    public AdminServer(String host, int port, List<RestHandler.Route> routes) {
        this.host = host;
        this.port = port;
        this.routes = List.copyOf(routes);
    }

    /** Binds and returns the bound address (port 0 picks a free port). */
    public InetSocketAddress start() throws InterruptedException {
        loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hubbub-admin"), NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(loop)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        configure(ch.pipeline(), routes);
                    }
                });
        serverChannel = b.bind(host, port).sync().channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** A connection's pipeline, in order: idle timeout, HTTP codec, a small aggregator, the admin routes. */
    public static void configure(ChannelPipeline pipeline, List<RestHandler.Route> routes) {
        pipeline.addLast(PipelineNames.HTTP_IDLE, new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                .addLast(PipelineNames.HTTP_CODEC, new HttpServerCodec())
                .addLast(PipelineNames.HTTP_AGGREGATOR, new HttpObjectAggregator(MAX_REQUEST_BYTES))
                .addLast(PipelineNames.ADMIN, new AdminHandler(routes));
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (loop != null) {
            loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
