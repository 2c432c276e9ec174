package dev.hubbub.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.util.function.Consumer;

/** The WebSocket client setup every bench connection shares, whatever protocol it then speaks. */
public final class WebSocketClients {
    public static final int MAX_FRAME = 16 * 1024 * 1024;
    static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final long HANDSHAKE_TIMEOUT_MS = 10_000;

    private WebSocketClients() {}

    /**
     * A bootstrap on {@code group} whose channels run {@code first} (TLS, bookkeeping), then the
     * HTTP upgrade to {@code uri} and frame aggregation, then {@code handler} under {@code name}.
     */
    public static Bootstrap bootstrap(EventLoopGroup group, URI uri, Consumer<SocketChannel> first, String name,
                                      ChannelHandler handler) {
        WebSocketClientProtocolConfig ws = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .allowExtensions(false)
                .maxFramePayloadLength(MAX_FRAME)
                .handshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS)
                .handleCloseFrames(true)
                .dropPongFrames(true)
                .withUTF8Validator(false)
                .build();
        return new Bootstrap()
                .group(group)
                .channel(SocketTransport.channelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        first.accept(ch);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("http", new HttpClientCodec());
                        p.addLast("http-aggregator", new HttpObjectAggregator(64 * 1024));
                        p.addLast("ws", new WebSocketClientProtocolHandler(ws));
                        p.addLast("ws-aggregator", new WebSocketFrameAggregator(MAX_FRAME));
                        p.addLast(name, handler);
                    }
                });
    }
}
