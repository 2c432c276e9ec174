package dev.hubbub.transport.ws;

import dev.hubbub.core.channel.EncodedFrame;
import dev.hubbub.core.channel.SharedFrame;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.Transport;
import dev.hubbub.transport.codec.ProtocolCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Core's {@link Transport} over one Netty WebSocket channel. JSON goes out in text frames and
 * MessagePack in binary frames. Shared frames are encoded once per format and written as retained
 * duplicates of one buffer. Every frame for a connection goes through its event loop's
 * {@link EventLoopWriter} queue, so frames keep the order they were sent in (a publisher's echoed
 * MESSAGE before its ACK, a MESSAGE before a later DETACHED) and flushes are batched; a fan-out
 * joins its loop's batch for that message, which is queued when the fan-out ends. A subscriber whose unsent backlog passes {@code maxBacklogBytes} is
 * reported through {@code onSlowConsumer} (once) and gets nothing more.
 */
public final class NettyTransport implements Transport {
    private final Channel channel;
    private final ProtocolCodec codec;
    private final long maxBacklogBytes;
    private final Consumer<NettyTransport> onSlowConsumer;
    private final EventLoopWriter writer;
    private volatile boolean overloaded;
    /** Loop-confined, kept by {@link EventLoopWriter}: the last batch that wrote here and when it flushed. */
    long batch;
    long lastWriteNanos;
    /** Loop-confined: a Close frame was written; later frames are dropped. */
    boolean closing;
    /** Loop-confined: where complete WebSocket frames enter the pipeline (see {@link #writeFramed}). */
    private ChannelHandlerContext framedOut;

    public NettyTransport(Channel channel, ProtocolCodec codec, long maxBacklogBytes, Consumer<NettyTransport> onSlowConsumer) {
        this.channel = channel;
        this.codec = codec;
        this.maxBacklogBytes = maxBacklogBytes;
        this.onSlowConsumer = onSlowConsumer;
        this.writer = EventLoopWriter.of(channel.eventLoop());
        this.lastWriteNanos = EventLoopWriter.nanoTime(channel.eventLoop());
    }

    /** Nanoseconds (on the loop's clock) since anything was last written; call on the event loop. */
    long idleNanos() { return EventLoopWriter.nanoTime(channel.eventLoop()) - lastWriteNanos; }

    /** The encoded bytes of a shared frame in one format; the SharedFrame owns this reference. */
    static final class Encoded implements EncodedFrame {
        final ByteBuf buf;

        Encoded(ByteBuf buf) { this.buf = buf; }

        @Override
        public void release() { buf.release(); }
    }

    @Override
    public void send(ProtocolMessage message) {
        if (!channel.isActive()) {
            return;
        }
        writer.submit(this, frame(codec.encode(message, channel.alloc())));
    }

    @Override
    public void send(SharedFrame frame) {
        if (overloaded || !channel.isActive()) {
            return;
        }
        ChannelOutboundBuffer backlog = channel.unsafe().outboundBuffer();
        if (backlog != null && backlog.totalPendingWriteBytes() > maxBacklogBytes) {
            overloaded = true;
            onSlowConsumer.accept(this);
            return;
        }
        // complete WebSocket frames, encoded once per format; each event loop writes its own copy
        int format = codec.format().index();
        Object key = writer.fanOutKey(format);
        EventLoopWriter.FanOut fanOut = (EventLoopWriter.FanOut) frame.attachment(key);
        if (fanOut == null) {
            Encoded encoded = frame.encoded(format, m -> new Encoded(codec.encodeWebSocketFrame(m, channel.alloc())));
            fanOut = writer.newFanOut(encoded.buf);
            frame.attach(key, fanOut);
        }
        fanOut.add(this);
    }

    @Override
    public void sendAndClose(ProtocolMessage last) {
        if (!channel.isActive()) {
            return;
        }
        writer.submit(this, frame(codec.encode(last, channel.alloc())));
        writer.submit(this, EventLoopWriter.CLOSE);
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMillis) {
        Future<?> f = channel.eventLoop().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    public Channel channel() { return channel; }

    /**
     * Writes bytes that are already a complete WebSocket frame, on the event loop. They enter the
     * pipeline at the WebSocket encoder's place, so they pass only the handlers before it (none
     * today; TLS would sit there) instead of walking every handler's context, which for a
     * thousand subscribers per message is a thousand pointer chases through cold pipelines.
     * Without an encoder (a test pipeline) they go through the whole pipeline.
     */
    void writeFramed(ByteBuf frame) {
        ChannelHandlerContext out = framedOut;
        if (out == null) {
            out = channel.pipeline().context(WebSocketFrameEncoder.class);
            if (out == null) {
                channel.write(frame, channel.voidPromise());
                return;
            }
            framedOut = out;
        }
        out.write(frame, channel.voidPromise());
    }

    private WebSocketFrame frame(ByteBuf buf) {
        return codec.format().isBinary() ? new BinaryWebSocketFrame(buf) : new TextWebSocketFrame(buf);
    }
}
