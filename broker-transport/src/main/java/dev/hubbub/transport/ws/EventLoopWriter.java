package dev.hubbub.transport.ws;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Batches writes for the connections of one event loop: any thread may submit frames; one
 * task per batch runs on the loop, writes them all and flushes each touched connection once. This
 * turns "one task and one flush per subscriber per message" into "one task per loop per batch".
 */
final class EventLoopWriter {
    private static final Map<EventLoop, EventLoopWriter> WRITERS = new ConcurrentHashMap<>();

    /** Submitted after a last frame: sends a WebSocket close and closes the connection. */
    static final Object CLOSE = new Object();

    private record Pending(Channel channel, Object frame) {}

    private final EventLoop loop;
    private final Queue<Pending> queue = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;

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

    /** Queues a frame for {@code channel}; the frame is released if the channel is gone by then. */
    void submit(Channel channel, Object frame) {
        queue.offer(new Pending(channel, frame));
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
        Map<Channel, Boolean> touched = new IdentityHashMap<>();
        List<Channel> order = new ArrayList<>();
        Pending p;
        while ((p = queue.poll()) != null) {
            Channel ch = p.channel();
            if (!ch.isActive()) {
                ReferenceCountUtil.release(p.frame()); // CLOSE is not reference counted: a no-op
                continue;
            }
            if (p.frame() == CLOSE) {
                ch.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
                continue;
            }
            ch.write(p.frame(), ch.voidPromise());
            if (touched.put(ch, Boolean.TRUE) == null) {
                order.add(ch);
            }
        }
        for (Channel ch : order) {
            ch.flush();
        }
    }

    private void discard() {
        Pending p;
        while ((p = queue.poll()) != null) {
            ReferenceCountUtil.release(p.frame());
        }
    }
}
