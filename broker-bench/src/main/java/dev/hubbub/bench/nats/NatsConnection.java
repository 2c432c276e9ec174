package dev.hubbub.bench.nats;

import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.WebSocketClients;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One NATS client connection over WebSocket (the server's {@code websocket} listener), speaking
 * the text protocol: wait for INFO, send CONNECT + PING, CONNECTED on the PONG; SUB + PING,
 * subscribed on the PONG (the server handles a connection's operations in order); PUB; answer
 * the server's PINGs. The peer of hubbub's {@code Connection} for the fan-out comparison.
 *
 * <p>Threading as in {@code Connection}: state is owned by the channel's event loop; the
 * futures may be watched from anywhere. {@link #publish} must run on the loop (the pacer does).
 */
public final class NatsConnection extends SimpleChannelInboundHandler<WebSocketFrame> implements NatsLineParser.Listener {
    /** What a connection reports after it is connected; called on its event loop. */
    public interface Listener {
        default void onMsg(NatsConnection c, NatsLineParser.Msg m) {
        }

        /** {@code -ERR} from the server (it usually closes the connection next), or an unreadable frame. */
        default void onErr(NatsConnection c, String message) {
        }

        default void onClosed(NatsConnection c, boolean requested) {
        }
    }

    public static final String CONNECT =
            "CONNECT {\"verbose\":false,\"pedantic\":false,\"echo\":true,\"protocol\":1,\"lang\":\"java\","
                    + "\"name\":\"broker-bench\"}\r\n";
    private static final byte[] CRLF = {'\r', '\n'};

    private final Listener listener;
    private final NatsLineParser parser;
    private final CompletableFuture<NatsConnection> connected = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final ArrayDeque<CompletableFuture<Void>> pongs = new ArrayDeque<>();
    private final long startNanos = System.nanoTime();
    private volatile Channel channel;
    private volatile boolean closeRequested;
    private volatile long connectedNanos;
    private volatile String serverInfo;
    private int nextSid = 1;
    private long published;

    private NatsConnection(Listener listener, int maxPayload) {
        super(WebSocketFrame.class);
        this.listener = listener;
        this.parser = new NatsLineParser(this, maxPayload);
    }

    /** Opens a connection to {@code ws://host:port/} on {@code group}; watch {@link #connected()}. */
    public static NatsConnection open(EventLoopGroup group, URI uri, Listener listener) {
        NatsConnection conn = new NatsConnection(listener, WebSocketClients.MAX_FRAME);
        // conn.channel is set before any inbound event: INFO may beat connect() returning
        Bootstrap b = WebSocketClients.bootstrap(group, uri, ch -> conn.channel = ch, "nats", conn);
        ChannelFuture cf = b.connect(uri.getHost(), uri.getPort());
        conn.channel = cf.channel();
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                conn.fail(f.cause());
                conn.closed.complete(null);
            }
        });
        return conn;
    }

    /** Completes once the server has answered the PING after CONNECT. */
    public CompletableFuture<NatsConnection> connected() { return connected; }
    public CompletableFuture<Void> closed() { return closed; }
    public boolean isOpen() { Channel ch = channel; return ch != null && ch.isActive(); }
    public boolean isWritable() { Channel ch = channel; return ch != null && ch.isWritable(); }
    public EventLoop eventLoop() { return channel.eventLoop(); }
    /** The server's INFO JSON (null before it arrives). */
    public String serverInfo() { return serverInfo; }
    /** Nanoseconds from the TCP connect call to CONNECTED (0 until then). */
    public long connectNanos() { return connectedNanos == 0 ? 0 : connectedNanos - startNanos; }

    /** SUB with a fresh sid, then PING; completes when the PONG shows the server has the subscription. */
    public CompletableFuture<Void> subscribe(String subject) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        onLoop(() -> {
            if (!channel.isActive()) {
                done.completeExceptionally(new BenchFailure("closed", "connection closed"));
                return;
            }
            pongs.add(done);
            send("SUB " + subject + " " + nextSid++ + "\r\nPING\r\n", true);
        });
        return done;
    }

    /** {@code PUB subject len\r\npayload\r\n} without a flush; on the event loop. Returns a running count (NATS has no acks). */
    public long publish(String subject, String data) {
        byte[] payload = data.getBytes(StandardCharsets.UTF_8);
        ByteBuf out = channel.alloc().buffer(subject.length() + payload.length + 24);
        out.writeCharSequence("PUB ", StandardCharsets.US_ASCII);
        out.writeCharSequence(subject, StandardCharsets.UTF_8);
        out.writeByte(' ');
        out.writeCharSequence(Integer.toString(payload.length), StandardCharsets.US_ASCII);
        out.writeBytes(CRLF);
        out.writeBytes(payload);
        out.writeBytes(CRLF);
        channel.write(new BinaryWebSocketFrame(out), channel.voidPromise());
        return published++;
    }

    public void flush() {
        channel.flush();
    }

    /** Sends a WebSocket close and closes the socket (NATS has no goodbye of its own). */
    public void close() {
        closeRequested = true;
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        onLoop(() -> {
            if (ch.isActive()) {
                ch.writeAndFlush(new CloseWebSocketFrame()).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    /** Closes the socket now. */
    public void abort() {
        closeRequested = true;
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    private void onLoop(Runnable task) {
        Channel ch = channel;
        if (ch.eventLoop().inEventLoop()) {
            task.run();
        } else {
            ch.eventLoop().execute(task);
        }
    }

    private void send(String text, boolean flush) {
        ByteBuf out = channel.alloc().buffer(text.length());
        out.writeCharSequence(text, StandardCharsets.UTF_8);
        WebSocketFrame frame = new BinaryWebSocketFrame(out);
        if (flush) {
            channel.writeAndFlush(frame, channel.voidPromise());
        } else {
            channel.write(frame, channel.voidPromise());
        }
    }

    // ---- inbound ----------------------------------------------------------------------------

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            fail(new BenchFailure("timeout", "WebSocket handshake timed out"));
            ctx.close();
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        try {
            parser.feed(frame.content());
        } catch (NatsLineParser.ProtocolException e) {
            String why = "unreadable NATS protocol: " + e.getMessage();
            if (!connected.isDone()) {
                connected.completeExceptionally(new BenchFailure("nats-protocol", why));
            } else {
                listener.onErr(this, why);
            }
            ctx.close();
        }
    }

    @Override
    public void onInfo(String json) {
        if (serverInfo == null) {
            serverInfo = json;
            CompletableFuture<Void> pong = new CompletableFuture<>();
            pongs.add(pong);
            send(CONNECT + "PING\r\n", true);
            pong.whenComplete((ok, e) -> {
                if (e == null) {
                    connectedNanos = System.nanoTime();
                    connected.complete(this);
                }
            });
        }
    }

    @Override
    public void onMsg(NatsLineParser.Msg m) {
        listener.onMsg(this, m);
    }

    @Override
    public void onPing() {
        send("PONG\r\n", true);
    }

    @Override
    public void onPong() {
        CompletableFuture<Void> f = pongs.poll();
        if (f != null) {
            f.complete(null);
        }
    }

    @Override
    public void onErr(String message) {
        BenchFailure failure = new BenchFailure("nats-err", message);
        if (!connected.isDone()) {
            connected.completeExceptionally(failure);
        } else {
            listener.onErr(this, message);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(new BenchFailure("closed", "connection closed"));
        closed.complete(null);
        listener.onClosed(this, closeRequested);
        super.channelInactive(ctx);
    }

    private void fail(Throwable cause) {
        connected.completeExceptionally(cause);
        CompletableFuture<Void> f;
        while ((f = pongs.poll()) != null) {
            f.completeExceptionally(cause);
        }
    }
}
