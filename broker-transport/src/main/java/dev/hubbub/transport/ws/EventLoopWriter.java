package dev.hubbub.transport.ws;

import dev.hubbub.core.channel.EncodedFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Batches writes for the connections of one event loop: any thread may submit frames; one
 * task per batch runs on the loop, writes them all and flushes each touched connection once. This
 * turns "one task and one flush per subscriber per message" into "one task per loop per batch".
 * Every frame of a connection goes through here, so a connection's frames keep their order.
 *
 * <p>A fan-out reaches this loop's subscribers as one {@link FanOut}: one queue entry per message
 * rather than one per subscriber, carrying the loop's own copy of the encoded frame, so that the
 * reference counting of its per-subscriber views happens on this loop only (one buffer shared by
 * every loop had its count bounced between cores on every write and release).
 */
final class EventLoopWriter {
    private static final Map<EventLoop, EventLoopWriter> WRITERS = new ConcurrentHashMap<>();

    /** Submitted after a last frame: sends a WebSocket close and closes the connection. */
    static final Object CLOSE = new Object();

    private record Pending(NettyTransport transport, Object frame) {}

    private final EventLoop loop;
    /** Keys of this loop's fan-out batches on a SharedFrame, one per wire format. */
    private final Object[] fanOutKeys = {new Object(), new Object()};
    private final Queue<Pending> queue = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;
    private final List<NettyTransport> touched = new ArrayList<>(); // loop-confined scratch list
    private long batch;

    private EventLoopWriter(EventLoop loop) { this.loop = loop; }

    static EventLoopWriter of(EventLoop loop) {
        EventLoopWriter w = WRITERS.get(loop);
        if (w == null) {
            w = WRITERS.computeIfAbsent(loop, EventLoopWriter::new);
            try {
                loop.terminationFuture().addListener(f -> WRITERS.remove(loop));
            } catch (UnsupportedOperationException embedded) {
                // EmbeddedEventLoop (handler tests) never terminates and has no termination future
            }
        }
        return w;
    }

    /** The loop's clock (an embedded loop's is the test's), in nanoseconds. */
    static long nanoTime(EventLoop loop) {
        return loop instanceof AbstractScheduledEventExecutor e ? e.ticker().nanoTime() : System.nanoTime();
    }

    Object fanOutKey(int format) { return fanOutKeys[format]; }

    /**
     * A new fan-out batch for this loop holding its own reference to {@code encodedFrame} (whose
     * reference stays the caller's): a copy when the fan-out runs on another thread, so that
     * counting this loop's views stays on this loop's core; the buffer itself when the fan-out
     * runs on this loop already.
     */
    FanOut newFanOut(ByteBuf encodedFrame) {
        return new FanOut(loop.inEventLoop() ? encodedFrame.retain() : encodedFrame.copy());
    }

    /**
     * One message's deliveries to connections of this loop. Filled by the fan-out's thread, then
     * handed over whole when the SharedFrame is released (by the same thread, still under the
     * channel's lock, so batches of one channel arrive in publish order).
     */
    final class FanOut implements EncodedFrame {
        private final ByteBuf frame;
        private NettyTransport[] targets = new NettyTransport[4];
        private int size;

        private FanOut(ByteBuf frame) { this.frame = frame; }

        void add(NettyTransport t) {
            if (size == targets.length) {
                targets = Arrays.copyOf(targets, size * 2);
            }
            targets[size++] = t;
        }

        @Override
        public void release() {
            submit(null, this);
        }
    }

    /** Queues a frame for a connection; the frame is released if the connection is gone by then. */
    void submit(NettyTransport transport, Object frame) {
        queue.offer(new Pending(transport, frame));
        if (scheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drain);
            } catch (RuntimeException rejected) { // loop shutting down
                scheduled.set(false);
                discard();
            }
        }
    }

    private void drain() {
        scheduled.set(false);
        long thisBatch = ++batch;
        Pending p;
        while ((p = queue.poll()) != null) {
            if (p.frame() instanceof FanOut fanOut) {
                write(fanOut, thisBatch);
                continue;
            }
            NettyTransport t = p.transport();
            Channel ch = t.channel();
            if (!ch.isActive() || t.closing) { // nothing may follow a Close frame
                ReferenceCountUtil.release(p.frame()); // CLOSE is not reference counted: a no-op
                continue;
            }
            if (p.frame() == CLOSE) {
                t.closing = true;
                ch.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
                continue;
            }
            ch.write(p.frame(), ch.voidPromise());
            touch(t, thisBatch);
        }
        if (touched.isEmpty()) {
            return;
        }
        long now = nanoTime(loop);
        for (NettyTransport t : touched) {
            t.channel().flush();
            t.lastWriteNanos = now;
        }
        touched.clear();
    }

    private void write(FanOut fanOut, long thisBatch) {
        try {
            for (int i = 0; i < fanOut.size; i++) {
                NettyTransport t = fanOut.targets[i];
                Channel ch = t.channel();
                if (ch.isActive() && !t.closing) {
                    t.writeFramed(fanOut.frame.retainedDuplicate());
                    touch(t, thisBatch);
                }
            }
        } finally {
            fanOut.frame.release();
        }
    }

    private void touch(NettyTransport t, long thisBatch) {
        if (t.batch != thisBatch) {
            t.batch = thisBatch;
            touched.add(t);
        }
    }

    private void discard() {
        Pending p;
        while ((p = queue.poll()) != null) {
            if (p.frame() instanceof FanOut fanOut) {
                fanOut.frame.release();
            } else {
                ReferenceCountUtil.release(p.frame());
            }
        }
    }
}
