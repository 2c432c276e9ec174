package dev.hubbub.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A minimal keep-alive HTTP/1.1 client for the broker's REST API (token requests), on the bench's
 * own event loops: up to {@code maxConnections} sockets, one request in flight per socket,
 * further requests queued. Far cheaper per request than the JDK client, which matters when a
 * run mints thousands of tokens a second on the broker's cores.
 */
public final class RestClient implements AutoCloseable {
    /** A response: status, the {@code X-Ably-ErrorCode} header (or null) and the body. */
    public record Response(int status, String ablyErrorCode, byte[] body) { }

    private record Request(FullHttpRequest http, CompletableFuture<Response> result) { }

    private final BenchClient client;
    private final int maxConnections;
    private final Deque<Channel> idle = new ArrayDeque<>();
    private final Deque<Request> waiting = new ArrayDeque<>();
    private final List<Channel> all = new ArrayList<>();
    private int open;
    private boolean closed;

    public RestClient(BenchClient client, int maxConnections) {
        this.client = client;
        this.maxConnections = Math.max(1, maxConnections);
    }

    /** POSTs {@code body} to {@code path} with the given headers. */
    public CompletableFuture<Response> post(String path, Map<String, String> headers, byte[] body) {
        FullHttpRequest http = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                Unpooled.wrappedBuffer(body));
        http.headers().set(HttpHeaderNames.HOST, client.endpoint().host() + ":" + client.endpoint().port());
        http.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        http.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        headers.forEach((k, v) -> http.headers().set(k, v));
        Request req = new Request(http, new CompletableFuture<>());
        Channel ch;
        synchronized (this) {
            if (closed) {
                http.release();
                req.result.completeExceptionally(new BenchFailure("closed", "REST client closed"));
                return req.result;
            }
            ch = idle.pollFirst();
            if (ch == null) {
                waiting.addLast(req);
                if (open < maxConnections) {
                    open++;
                    connect();
                }
                return req.result;
            }
        }
        send(ch, req);
        return req.result;
    }

    private void connect() {
        Bootstrap b = new Bootstrap()
                .group(client.group())
                .channel(SocketTransport.channelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        client.addTls(ch);
                        ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), new Handler());
                    }
                });
        b.connect(client.endpoint().host(), client.endpoint().port()).addListener(f -> {
            Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
            if (f.isSuccess()) {
                synchronized (this) {
                    all.add(ch);
                }
                release(ch);
                return;
            }
            Request failed;
            boolean retry;
            synchronized (this) {
                open--;
                failed = waiting.pollFirst();
                retry = !closed && !waiting.isEmpty() && open < maxConnections;
                if (retry) {
                    open++;
                }
            }
            if (failed != null) {
                failed.http.release();
                failed.result.completeExceptionally(f.cause());
            }
            if (retry) {
                connect();
            }
        });
    }

    /** Hands a free socket the next waiting request, or parks it. */
    private void release(Channel ch) {
        Request next;
        synchronized (this) {
            next = waiting.pollFirst();
            if (next == null) {
                idle.addLast(ch);
                return;
            }
        }
        send(ch, next);
    }

    private void send(Channel ch, Request req) {
        ch.pipeline().get(Handler.class).current = req;
        ch.writeAndFlush(req.http).addListener(f -> {
            if (!f.isSuccess()) {
                req.result.completeExceptionally(f.cause());
                ch.close();
            }
        });
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpResponse> {
        volatile Request current;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            Request req = current;
            current = null;
            if (req != null) {
                req.result.complete(new Response(response.status().code(),
                        response.headers().get("X-Ably-ErrorCode"), ByteBufUtil.getBytes(response.content())));
            }
            if (HttpUtil.isKeepAlive(response)) {
                release(ctx.channel());
            } else {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Request req = current;
            current = null;
            if (req != null) {
                req.result.completeExceptionally(new BenchFailure("io", "REST connection closed"));
            }
            boolean reconnect;
            synchronized (RestClient.this) {
                open--;
                idle.remove(ctx.channel());
                all.remove(ctx.channel());
                reconnect = !closed && !waiting.isEmpty() && open < maxConnections;
                if (reconnect) {
                    open++;
                }
            }
            if (reconnect) {
                connect();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        List<Channel> channels;
        List<Request> pending;
        synchronized (this) {
            closed = true;
            channels = new ArrayList<>(all);
            pending = new ArrayList<>(waiting);
            waiting.clear();
        }
        pending.forEach(r -> {
            r.http.release();
            r.result.completeExceptionally(new BenchFailure("closed", "REST client closed"));
        });
        channels.forEach(Channel::close);
    }
}
