package dev.hubbub.transport.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches writes for the connections of one event loop: any thread may submit frames; one
 * task per batch runs on the loop, writes them all and flushes each touched connection once. This
 * turns "one task and one flush per subscriber per message" into "one task per loop per batch",
 * and what a batch has for one connection goes out as one write where its frames are small
 * ({@link NettyTransport#hold}). Every frame of a connection goes through here, so a connection's
 * frames keep their order.
 *
 * <p>A fan-out reaches this loop's subscribers as one {@link Batch}: one queue entry per message
 * rather than one per subscriber, carrying the loop's own copy of the encoded frame, so that the
 * reference counting of its per-subscriber views happens on this loop only (one buffer shared by
 * every loop had its count bounced between cores on every write and release).
 */
final class EventLoopWriter {
    private static final Logger log = LoggerFactory.getLogger(EventLoopWriter.class);
    private static final Map<EventLoop, EventLoopWriter> WRITERS = new ConcurrentHashMap<>();

    /**
     * A connection's last frame: nothing is written after it. Once it is on the wire the client
     * gets the transport's linger time to read it and close by itself; then a WebSocket close is
     * sent and the connection closed. A peer that never takes the frame is closed after the
     * transport's drain time all the same.
     */
    record LastFrame(Object frame) {}

    /** Submitted to end a connection at once: a WebSocket close, then the connection is closed. */
    static final Object CLOSE_NOW = new Object();

    private record Pending(NettyTransport transport, Object frame) {}

    private final EventLoop loop;
    /** The loop's connection timers: kept here so that they live and go with the loop's writer. */
    private final LoopTimers timers;
    private final Queue<Pending> queue = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;
    private final List<NettyTransport> touched = new ArrayList<>(); // loop-confined scratch list
    private long batch;
    /** Loop-confined: when (loop nanos) copies that join a connection's frames are allowed again; 0: they are. */
    private long copiesRefusedUntil;
    static final long COPIES_REFUSED_NANOS = TimeUnit.SECONDS.toNanos(1);

    private EventLoopWriter(EventLoop loop) {
        this.loop = loop;
        this.timers = new LoopTimers(loop);
    }

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

    LoopTimers timers() { return timers; }

    /** Whether connections may join their frames into a copy ({@link NettyTransport#hold}); on the loop. */
    boolean copiesAllowed() { return copiesRefusedUntil == 0; }

    /** A copy found no direct memory: none is tried for {@link #COPIES_REFUSED_NANOS}; on the loop. */
    void refuseCopies() { copiesRefusedUntil = nanoTime(loop) + COPIES_REFUSED_NANOS | 1; }

    /** The loop's clock (an embedded loop's is the test's), in nanoseconds. */
    static long nanoTime(EventLoop loop) {
        return loop instanceof AbstractScheduledEventExecutor e ? e.ticker().nanoTime() : System.nanoTime();
    }

    /**
     * A new fan-out batch for this loop holding its own reference to {@code encodedFrame} (whose
     * reference stays the caller's): a copy when the fan-out runs on another thread, so that
     * counting this loop's views stays on this loop's core; the buffer itself when the fan-out
     * runs on this loop already.
     */
    Batch newBatch(ByteBuf encodedFrame) {
        return new Batch(loop.inEventLoop() ? encodedFrame.retain() : encodedFrame.copy());
    }

    /**
     * One message's deliveries to connections of this loop. Filled by the fan-out's thread, then
     * handed over whole by {@link #submit(Batch)} (by the same thread, still under the channel's
     * lock, so batches of one channel arrive in publish order). Its buffer reference is released
     * once the loop has written it, or when the loop refuses it.
     */
    static final class Batch {
        private final ByteBuf frame;
        private NettyTransport[] targets = new NettyTransport[4];
        private int size;

        private Batch(ByteBuf frame) { this.frame = frame; }

        void add(NettyTransport t) {
            if (size == targets.length) {
                targets = Arrays.copyOf(targets, size * 2);
            }
            targets[size++] = t;
        }
    }

    /** Hands a fan-out batch to the loop. */
    void submit(Batch batch) { submit(null, batch); }

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
        if (copiesRefusedUntil != 0 && nanoTime(loop) - copiesRefusedUntil >= 0) {
            copiesRefusedUntil = 0;
        }
        try {
            Pending p;
            while ((p = queue.poll()) != null) {
                try {
                    deliver(p, thisBatch);
                } catch (RuntimeException | OutOfMemoryError e) {
                    failed(p.transport(), e);
                }
            }
        } finally {
            flushTouched();
        }
    }

    private void deliver(Pending p, long thisBatch) {
        if (p.frame() instanceof Batch fanOut) {
            write(fanOut, thisBatch);
            return;
        }
        NettyTransport t = p.transport();
        Channel ch = t.channel();
        if (p.frame() instanceof ByteBuf framed) {
            t.dequeued(framed); // from here on the outbound buffer counts it, if it is written
        }
        if (!ch.isActive() || t.closing) { // nothing may follow the last frame
            release(p.frame());
            return;
        }
        if (p.frame() == CLOSE_NOW) {
            t.writeHeld();
            t.closing = true;
            closeNow(ch);
            return;
        }
        if (p.frame() instanceof LastFrame last) {
            t.writeHeld();
            t.closing = true;
            // flushes what this batch wrote before it too; the linger starts once the frame is out
            ch.writeAndFlush(last.frame()).addListener(f -> closeLater(ch, t.lingerMillis()));
            closeLater(ch, t.drainMillis());
            return;
        }
        if (p.frame() instanceof ByteBuf framed) {
            t.hold(framed); // a whole WebSocket frame (NettyTransport.send)
        } else {
            t.writeHeld();
            ch.write(p.frame(), ch.voidPromise());
        }
        touch(t, thisBatch);
    }

    /** Writes out and flushes what this drain held for each connection it touched. */
    private void flushTouched() {
        if (touched.isEmpty()) {
            return;
        }
        long now = nanoTime(loop);
        for (NettyTransport t : touched) {
            try {
                t.writeHeld();
                t.flush();
                t.lastWriteNanos = now;
            } catch (RuntimeException | OutOfMemoryError e) {
                failed(t, e);
            }
        }
        touched.clear();
    }

    /**
     * A frame for {@code t} could not be written (the node out of direct memory, say): the
     * connection, now missing a frame, is closed, so that its client resumes and gets what it
     * missed, and the drain goes on with the others. A frame whose reference was not handed on may
     * leak here; a double release could corrupt another connection's buffer, so none is tried.
     */
    private static void failed(NettyTransport t, Throwable e) {
        if (t == null) {
            log.warn("a write batch failed: {}", e.toString());
            return;
        }
        log.warn("a write to a connection failed; closing it: {}", e.toString());
        try {
            t.writeHeld(); // handed to the channel, whose close releases it
        } catch (RuntimeException | OutOfMemoryError again) {
            // closing anyway
        }
        t.closing = true;
        closeNow(t.channel());
    }

    /**
     * Sends a WebSocket close and closes the connection without waiting for the close to be
     * written: a peer that stopped reading must not keep it open (the close frame then goes
     * with it, unsent).
     */
    /** Closes the connection (see {@link #closeNow}) after {@code millis}; at once if its loop takes no more tasks. */
    private static void closeLater(Channel ch, long millis) {
        try {
            ch.eventLoop().schedule(() -> closeNow(ch), millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            closeNow(ch);
        }
    }

    private static void release(Object frame) {
        ReferenceCountUtil.release(frame instanceof LastFrame last ? last.frame() : frame); // CLOSE_NOW: a no-op
    }

    private static void closeNow(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(new CloseWebSocketFrame(1000, ""), ch.voidPromise());
            ch.close();
        }
    }

    private void write(Batch fanOut, long thisBatch) {
        try {
            for (int i = 0; i < fanOut.size; i++) {
                NettyTransport t = fanOut.targets[i];
                Channel ch = t.channel();
                if (ch.isActive() && !t.closing) {
                    try {
                        t.holdShared(fanOut.frame);
                        touch(t, thisBatch);
                    } catch (RuntimeException | OutOfMemoryError e) {
                        failed(t, e);
                    }
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
            if (p.frame() instanceof Batch fanOut) {
                fanOut.frame.release();
            } else {
                release(p.frame());
            }
        }
    }
}
