package dev.hubbub.transport.ws;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
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
 */
final class EventLoopWriter {
    private static final Map<EventLoop, EventLoopWriter> WRITERS = new ConcurrentHashMap<>();

    /** Submitted after a last frame: sends a WebSocket close and closes the connection. */
    static final Object CLOSE = new Object();

    private record Pending(NettyTransport transport, Object frame) {}

    private final EventLoop loop;
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
            NettyTransport t = p.transport();
            Channel ch = t.channel();
            if (!ch.isActive()) {
                ReferenceCountUtil.release(p.frame()); // CLOSE is not reference counted: a no-op
                continue;
            }
            if (p.frame() == CLOSE) {
                ch.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
                continue;
            }
            ch.write(p.frame(), ch.voidPromise());
            if (t.batch != thisBatch) {
                t.batch = thisBatch;
                touched.add(t);
            }
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

    private void discard() {
        Pending p;
        while ((p = queue.poll()) != null) {
            ReferenceCountUtil.release(p.frame());
        }
    }
}
