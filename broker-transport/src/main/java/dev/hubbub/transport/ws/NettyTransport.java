package dev.hubbub.transport.ws;

import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.transport.codec.ProtocolCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Core's {@link Transport} over one Netty WebSocket channel. JSON goes out in text frames and
 * MessagePack in binary frames. Every frame for a connection goes through its event loop's
 * {@link EventLoopWriter} queue, so frames keep the order they were sent in (a publisher's echoed
 * MESSAGE before its ACK, a MESSAGE before a later DETACHED) and flushes are batched; fan-out
 * frames arrive through {@link NettyFanOut} as per-loop batches in the same queue.
 *
 * <p>Every frame a connection is sent counts toward its backlog: fan-out frames, and the frames
 * sent to it alone (replies, ATTACHED, SYNC pages, replays), from the moment they are queued for
 * its loop until the socket has taken them. A connection whose unsent backlog passes
 * its {@link BacklogLimit} gets no more frames, and {@code onOverloaded} runs once (on any thread);
 * what to do about it is core's call (80020). Its last frame ({@link #close}) still goes out, unless
 * the node is under memory pressure: then the connection is closed at once and what it had not
 * taken is freed with it.
 */
public final class NettyTransport implements Transport {
    private final Channel channel;
    private final ProtocolCodec codec;
    private final BacklogLimit backlogLimit;
    private final long lingerMillis;
    private final long drainMillis;
    private final Runnable onOverloaded;
    private final EventLoopWriter writer;
    /** {@code codec.format().index()}, read per fan-out delivery: the codec is not touched then. */
    private final int formatIndex;
    private volatile boolean overloaded;
    /**
     * The channel has closed ({@link #closed}, from its handler), or its outbound buffer is past the
     * high-water mark ({@link #writabilityChanged}). Kept here, beside {@link #queuedBytes}, so that
     * a fan-out to a thousand subscribers reads one object of each and not, for each, the Netty
     * channel, its unsafe and its outbound buffer: three more cold objects per delivery. A transport
     * whose handler never reports (a refused connection's) keeps both false: what it is sent after
     * the channel closed is dropped on the loop, as before.
     */
    private volatile boolean closed;
    private volatile boolean unwritable;
    /**
     * The channel's high-water mark when the connection opened (the server sets it on every child
     * channel before): the most its outbound buffer holds while it is writable.
     */
    private final int highWaterMark;
    /**
     * Bytes of frames sent to this connection alone, queued for its loop and not yet written to the
     * channel. A field, not an AtomicLong: one object and one cache line less per connection, read
     * for every frame sent here.
     */
    private volatile long queuedBytes;
    private static final VarHandle QUEUED_BYTES;

    static {
        try {
            QUEUED_BYTES = MethodHandles.lookup().findVarHandle(NettyTransport.class, "queuedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /** Loop-confined, kept by {@link EventLoopWriter}: the last batch that wrote here and when it flushed. */
    long batch;
    long lastWriteNanos;
    /** Loop-confined: a Close frame was written; later frames are dropped. */
    boolean closing;
    /** Loop-confined: where complete WebSocket frames enter the pipeline (see {@link #writeFramed}). */
    private ChannelHandlerContext framedOut;
    /** Loop-confined: this drain's frames for the connection so far, written at its end ({@link #hold}). */
    private ByteBuf held;
    /** Loop-confined: {@link #held} is a buffer of our own that frames were copied into. */
    private boolean heldIsCopy;

    /**
     * Frames this small are copied together when a connection is sent several in one drain. A copy
     * costs its bytes for each connection (which the backlog limit counts), where a view of a shared
     * frame cost about 120 bytes of heap: up to 1 KiB that is at most some 8 times as much memory,
     * none of it on the heap, in exchange for no collector work.
     */
    static final int COPY_AT_MOST = 1024;
    /** A buffer of frames copied together is written once it would grow past this. */
    static final int COALESCE_AT_MOST = 64 * 1024;

    /**
     * @param lingerMillis how long a client gets, once the last frame of a connection the broker
     *                     ends is on the wire, to read it and close by itself before the broker closes
     * @param drainMillis  how long the last frame may wait behind unsent ones (a slow reader's
     *                     backlog) before the connection is closed without it
     */
    public NettyTransport(Channel channel, ProtocolCodec codec, BacklogLimit backlogLimit, long lingerMillis, long drainMillis,
                          Runnable onOverloaded) {
        this.channel = channel;
        this.codec = codec;
        this.formatIndex = codec.format().index();
        this.backlogLimit = backlogLimit;
        this.lingerMillis = lingerMillis;
        this.drainMillis = drainMillis;
        this.onOverloaded = onOverloaded;
        this.writer = EventLoopWriter.of(channel.eventLoop());
        this.highWaterMark = channel.config().getWriteBufferHighWaterMark();
        this.unwritable = !channel.isWritable();
        this.lastWriteNanos = EventLoopWriter.nanoTime(channel.eventLoop());
    }

    /** Nanoseconds (on the loop's clock) since anything was last written; call on the event loop. */
    long idleNanos() { return EventLoopWriter.nanoTime(channel.eventLoop()) - lastWriteNanos; }

    /**
     * Queues a frame for this connection alone, within its backlog limit: past the limit the frame
     * is dropped and the connection reported overloaded, like a fan-out frame would be. The frame
     * is encoded whole, WebSocket header and all, as fan-out frames are, and written past the
     * WebSocket encoder ({@link #writeFramed}): an ACK per publish through the encoder cost a second
     * buffer, a copy and a frame object.
     */
    @Override
    public void send(ProtocolMessage message) {
        if (!acceptsFrames()) {
            return;
        }
        ByteBuf framed = codec.encodeWebSocketFrame(message, channel.alloc());
        QUEUED_BYTES.getAndAdd(this, (long) framed.readableBytes());
        writer.submit(this, framed);
    }

    /**
     * Queues a WebSocket ping (an empty one, already framed) for this connection, within its backlog
     * limit as {@link #send}: it goes out in the same write as whatever else the loop writes here next.
     */
    void ping() {
        if (!acceptsFrames()) {
            return;
        }
        ByteBuf framed = channel.alloc().ioBuffer(2).writeByte(0x89).writeByte(0); // FIN + ping, unmasked, no payload
        QUEUED_BYTES.getAndAdd(this, (long) framed.readableBytes());
        writer.submit(this, framed);
    }

    /** A frame queued by {@link #send} left the queue (written to the channel, or dropped): on the loop. */
    void dequeued(ByteBuf framed) { QUEUED_BYTES.getAndAdd(this, (long) -framed.readableBytes()); }

    /**
     * What this connection has been sent and the socket has not taken yet: frames queued for its
     * loop and Netty's outbound buffer (fan-out frames, pings and pongs included). Any thread.
     */
    long backlogBytes() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return queuedBytes + (buffer == null ? 0 : buffer.totalPendingWriteBytes());
    }

    /**
     * Whether the backlog is past the limit now, found by this call: it is then reported overloaded,
     * as with its next frame. False when it is within the limit, or was reported already, or closed. Any thread.
     */
    boolean checkBacklog() {
        return !overloaded && !closed && channel.isActive() && !acceptsFrames();
    }

    /** Whether a fan-out frame may be queued here (see {@link #acceptsFrames}). Any thread. */
    boolean acceptsFanOut() { return acceptsFrames(); }

    /** The channel closed: no frame is queued here from now on. Called by its handler, on the event loop. */
    void closed() { closed = true; }

    /** The channel's writability changed (its outbound buffer crossed a water mark): on the event loop. */
    void writabilityChanged(boolean writable) { unwritable = !writable; }

    /**
     * Whether a frame may be queued here: the connection is open and its unsent backlog is within
     * bounds. The first time it is not, the connection is reported overloaded and takes no more
     * frames. Any thread.
     *
     * <p>While the channel is writable its outbound buffer holds at most the high-water mark, so a
     * backlog of queued frames and that mark within the limit needs no look at the buffer: that is
     * every frame to a connection that keeps up. The flags lag the channel by a task on its loop
     * at most, as any reading from another thread would.
     */
    private boolean acceptsFrames() {
        if (overloaded || closed) {
            return false;
        }
        long limit = backlogLimit.bytes();
        if (!unwritable && queuedBytes + highWaterMark <= limit) {
            return true;
        }
        if (!channel.isActive()) {
            return false;
        }
        if (backlogBytes() > limit) {
            overloaded = true;
            onOverloaded.run();
            return false;
        }
        return true;
    }

    @Override
    public void close(ProtocolMessage last) {
        if (!channel.isActive()) {
            return;
        }
        if (last == null || overloaded && backlogLimit.pressed()) {
            // under memory pressure a connection that fell behind goes now, not behind its backlog
            writer.submit(this, EventLoopWriter.CLOSE_NOW);
            return;
        }
        writer.submit(this, new EventLoopWriter.LastFrame(frame(codec.encode(last, channel.alloc()))));
    }

    /** In the loop's timer wheel ({@link LoopTimers}), not as a Netty scheduled task of its own; 0 runs it next. */
    @Override
    public Cancellable schedule(Runnable task, long delayMillis) {
        return writer.timers().schedule(task, delayMillis);
    }

    public Channel channel() { return channel; }

    ProtocolCodec codec() { return codec; }

    /** The index of this connection's wire format ({@code codec().format().index()}). */
    int formatIndex() { return formatIndex; }

    EventLoopWriter writer() { return writer; }

    long lingerMillis() { return lingerMillis; }

    long drainMillis() { return drainMillis; }

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

    /**
     * Takes a whole WebSocket frame of this drain's for the connection, written by {@link #writeHeld}
     * at the drain's end or before anything else the drain writes here. The first frame is kept as
     * it is; small frames after it are copied into one buffer of the connection's own, so a
     * connection sent k messages in one drain costs the outbound buffer one entry, not k entries
     * and k views of shared frames. Under load (a drain per loop turn carries many messages) and
     * for a reader that has fallen behind, that is what a backlog is made of: on the heap, k small
     * objects per connection per drain, walked and copied by every collection while they wait.
     * Called on the event loop; takes {@code frame}'s reference.
     */
    void hold(ByteBuf frame) {
        ByteBuf h = held;
        if (h == null) {
            held = frame;
            return;
        }
        if (coalesces(h, frame) && appended(h, frame)) {
            frame.release();
            return;
        }
        writeHeld();
        held = frame;
    }

    /** {@link #hold} for a frame shared with other connections: a view of it, or its bytes copied. */
    void holdShared(ByteBuf shared) {
        ByteBuf h = held;
        if (h != null) {
            if (coalesces(h, shared) && appended(h, shared)) {
                return;
            }
            writeHeld();
        }
        held = shared.retainedDuplicate();
    }

    /**
     * Copies {@code next} after what is held. False when there is no memory left for the copy: what
     * is held is then unchanged, and {@code next} goes out as it is (a view costs no direct memory),
     * so a node short of memory still delivers every frame, in order. The loop then makes no copies
     * for a while: the JDK spends up to half a second in each direct allocation it refuses.
     */
    private boolean appended(ByteBuf h, ByteBuf next) {
        try {
            appendToHeld(h, next);
            return true;
        } catch (OutOfMemoryError noMemory) {
            writer.refuseCopies();
            return false;
        }
    }

    private boolean coalesces(ByteBuf h, ByteBuf next) {
        int n = next.readableBytes();
        return n <= COPY_AT_MOST && h.readableBytes() + n <= COALESCE_AT_MOST && (heldIsCopy || h.readableBytes() <= COPY_AT_MOST)
                && writer.copiesAllowed() && !backlogLimit.pressed(); // short of memory: views, which take none
    }

    private void appendToHeld(ByteBuf h, ByteBuf next) {
        if (!heldIsCopy) {
            int first = h.readableBytes();
            ByteBuf copy = channel.alloc().ioBuffer(Math.min(COALESCE_AT_MOST, Math.max(256, 2 * (first + next.readableBytes()))),
                    COALESCE_AT_MOST);
            copy.writeBytes(h, h.readerIndex(), first);
            h.release();
            held = h = copy;
            heldIsCopy = true;
        }
        h.writeBytes(next, next.readerIndex(), next.readableBytes());
    }

    /**
     * Flushes what has been written, from where {@link #writeFramed} writes: the handlers after the
     * WebSocket encoder are inbound only and hold nothing to flush, and a flush from the tail would
     * read each of their contexts, for every connection a drain touches (the publisher's for its
     * ACK, each subscriber's for its delivery), on memory that has gone cold since its last frame.
     * Whatever entered at the tail (a Close frame, say) has passed the encoder and is flushed too.
     * On the event loop.
     */
    void flush() {
        ChannelHandlerContext out = framedOut;
        if (out != null) {
            out.flush();
        } else {
            channel.flush();
        }
    }

    /** Writes what {@link #hold} kept, if anything (released if the connection closed meanwhile); on the event loop. */
    void writeHeld() {
        ByteBuf h = held;
        if (h != null) {
            held = null;
            heldIsCopy = false;
            if (channel.isActive()) {
                writeFramed(h);
            } else {
                h.release();
            }
        }
    }

    private WebSocketFrame frame(ByteBuf buf) {
        return codec.format().isBinary() ? new BinaryWebSocketFrame(buf) : new TextWebSocketFrame(buf);
    }
}
