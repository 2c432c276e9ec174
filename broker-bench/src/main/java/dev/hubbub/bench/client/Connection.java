package dev.hubbub.bench.client;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * One realtime connection: the last handler of its pipeline and the API the scenarios use.
 *
 * <p>Threading: every field except the futures is owned by the channel's event loop. Send methods
 * may be called from any thread; off the loop they hop onto it. {@code msgSerial} is assigned on
 * the loop, so publishes from one connection are numbered in the order they are written.
 */
public final class Connection extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final int index;
    private final WireCodec codec;
    private final long startNanos = System.nanoTime();
    private final CompletableFuture<Connection> connected = new CompletableFuture<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final Map<String, CompletableFuture<InboundFrame>> attaching = new ConcurrentHashMap<>();
    private volatile ConnectionListener listener;
    private volatile Channel channel;
    private volatile long connectedNanos;
    private volatile String connectionId;
    private volatile String clientId;
    private volatile String connectionKey;
    private volatile InboundFrame connectedFrame;
    private volatile boolean closeRequested;
    private long nextMsgSerial;

    Connection(int index, WireCodec codec, ConnectionListener listener) {
        super(WebSocketFrame.class);
        this.index = index;
        this.codec = codec;
        this.listener = listener;
    }

    public int index() { return index; }
    public String connectionId() { return connectionId; }
    public String clientId() { return clientId; }
    /** The connectionKey of the last CONNECTED (what a resume presents), or null. */
    public String connectionKey() { return connectionKey; }
    /** The last CONNECTED frame (its error says why a resume got a new connection), or null. */
    public InboundFrame connectedFrame() { return connectedFrame; }
    public CompletableFuture<Connection> connected() { return connected; }
    public CompletableFuture<Void> closed() { return closed; }
    /** The socket's local address (null before it is bound). */
    public java.net.SocketAddress localAddress() { Channel ch = channel; return ch == null ? null : ch.localAddress(); }
    public boolean isOpen() { Channel ch = channel; return ch != null && ch.isActive(); }
    public boolean isWritable() { Channel ch = channel; return ch != null && ch.isWritable(); }
    public EventLoop eventLoop() { return channel.eventLoop(); }
    /** Nanoseconds from the TCP connect call to CONNECTED (0 until then). */
    public long connectNanos() { return connectedNanos == 0 ? 0 : connectedNanos - startNanos; }

    public void listener(ConnectionListener l) {
        this.listener = l;
    }

    void bind(Channel ch) {
        this.channel = ch;
    }

    /** Sends ATTACH; completes with the ATTACHED frame, or fails with the channel error code. */
    public CompletableFuture<InboundFrame> attach(String channelName) {
        return attach(channelName, 0);
    }

    /** ATTACH with channel mode {@code flags} (0: none sent, the broker's defaults apply). */
    public CompletableFuture<InboundFrame> attach(String channelName, long flags) {
        return attach(channelName, flags, null);
    }

    /** ATTACH with {@code flags} and, when not null, the last {@code channelSerial} seen on the channel. */
    public CompletableFuture<InboundFrame> attach(String channelName, long flags, String channelSerial) {
        CompletableFuture<InboundFrame> f = new CompletableFuture<>();
        CompletableFuture<InboundFrame> prior = attaching.putIfAbsent(channelName, f);
        if (prior != null) {
            return prior;
        }
        onLoop(() -> write(codec.attach(channel.alloc(), channelName, flags, channelSerial), true));
        return f;
    }

    /**
     * Publishes one message. Must run on the event loop (the pacer does); returns its msgSerial.
     * With {@code flush} false the caller flushes once per batch via {@link #flush()}.
     */
    public long publish(String channelName, String name, String data, boolean flush) {
        long serial = nextMsgSerial++;
        write(codec.publish(channel.alloc(), channelName, serial, name, data), flush);
        return serial;
    }

    /** Sends one PRESENCE (enter, leave, update) for the connection's clientId; on the loop. */
    public long presence(String channelName, int presenceAction, String data, boolean flush) {
        long serial = nextMsgSerial++;
        write(codec.presence(channel.alloc(), channelName, serial, presenceAction, data), flush);
        return serial;
    }

    public void flush() {
        channel.flush();
    }

    /** Runs {@code task} on this connection's event loop. */
    public void onLoop(Runnable task) {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        if (ch.eventLoop().inEventLoop()) {
            task.run();
        } else {
            ch.eventLoop().execute(task);
        }
    }

    /** Sends CLOSE and lets the broker answer CLOSED; the socket closes on CLOSED or {@link #abort()}. */
    public void requestClose() {
        closeRequested = true;
        onLoop(() -> {
            if (channel.isActive()) {
                write(codec.bare(channel.alloc(), Actions.CLOSE), true);
            }
        });
    }

    /**
     * Drops the transport the way a failing network does: no CLOSE and no WebSocket close frame,
     * only the TCP close (a FIN, or with {@code reset} an RST). The broker sees a lost transport,
     * which keeps the connection resumable. Counts as requested for {@link ConnectionListener#onClosed}.
     */
    public void drop(boolean reset) {
        closeRequested = true;
        onLoop(() -> {
            if (reset) {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            }
            // from the first context: past the WebSocket handler, which would send a close frame
            channel.pipeline().firstContext().close();
        });
    }

    /** Closes the socket now. */
    public void abort() {
        closeRequested = true;
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        } else {
            fail(new BenchFailure("closed", "aborted before the socket opened"));
        }
    }

    private void write(WebSocketFrame frame, boolean flush) {
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
        InboundFrame f;
        try {
            f = codec.decode(frame.content());
        } catch (IOException | RuntimeException e) {
            listener.onError(this, InboundFrame.localError("decode", "undecodable frame: " + e.getMessage()));
            return;
        }
        f.receivedNanos = System.nanoTime();
        dispatch(f);
    }

    private void dispatch(InboundFrame f) {
        ConnectionListener l = listener;
        switch (f.action) {
            case Actions.HEARTBEAT -> { }
            case Actions.CONNECTED -> {
                connectionId = f.connectionId;
                clientId = f.clientId;
                connectionKey = f.connectionKey;
                connectedFrame = f;
                if (connectedNanos == 0) {
                    connectedNanos = System.nanoTime();
                }
                l.onConnected(this, f);
                connected.complete(this);
            }
            case Actions.ACK -> l.onAck(this, f.msgSerial, f.count);
            case Actions.NACK -> l.onNack(this, f.msgSerial, f.count, f);
            case Actions.MESSAGE -> l.onMessage(this, f);
            case Actions.PRESENCE -> l.onPresence(this, f);
            case Actions.SYNC -> l.onSync(this, f);
            case Actions.ATTACHED -> settleAttach(f.channel, fut -> fut.complete(f));
            case Actions.CLOSED -> channel.close();
            case Actions.ERROR, Actions.DISCONNECTED, Actions.DETACHED -> onErrorFrame(f, l);
            default -> { }
        }
    }

    private void onErrorFrame(InboundFrame f, ConnectionListener l) {
        BenchFailure failure = new BenchFailure(f.errorKey(), f.errorMessage == null ? "action " + f.action : f.errorMessage);
        if (f.channel != null) {
            if (settleAttach(f.channel, fut -> fut.completeExceptionally(failure))) {
                return; // reported as this attach's failure
            }
        } else if (!connected.isDone()) {
            connected.completeExceptionally(failure);
            return;
        }
        if (f.hasError() || f.action == Actions.ERROR) {
            l.onError(this, f);
        }
    }

    /** Settles a pending attach of {@code channelName}; false if none was pending. */
    private boolean settleAttach(String channelName, Consumer<CompletableFuture<InboundFrame>> action) {
        CompletableFuture<InboundFrame> fut = channelName == null ? null : attaching.get(channelName);
        if (fut == null || fut.isDone()) {
            return false;
        }
        action.accept(fut);
        return true;
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

    /** Fails the pending connect and attaches (no effect on those already done). */
    void fail(Throwable cause) {
        connected.completeExceptionally(cause);
        attaching.values().forEach(f -> f.completeExceptionally(cause));
    }
}
