package dev.hubbub.bench.run;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drives paced senders from a fixed-rate task on each event loop: every tick, each sender on
 * that loop sends what its schedule says is due. Senders are grouped by the loop that owns their
 * connection, so a sender only ever runs on its own connection's thread.
 */
public final class Pacer {
    /** Something that sends on a schedule; {@code tick} runs on its connection's event loop. */
    public interface Paced {
        EventLoop eventLoop();

        void tick(long nowNanos);
    }

    private final Map<EventLoop, List<Paced>> byLoop = new LinkedHashMap<>();
    private final List<ScheduledFuture<?>> tasks = new ArrayList<>();

    public Pacer(List<? extends Paced> senders) {
        for (Paced p : senders) {
            byLoop.computeIfAbsent(p.eventLoop(), k -> new ArrayList<>()).add(p);
        }
    }

    public synchronized void start(long tickMicros) {
        byLoop.forEach((loop, senders) -> {
            Paced[] batch = senders.toArray(new Paced[0]);
            tasks.add(loop.scheduleAtFixedRate(() -> {
                long now = System.nanoTime();
                for (Paced p : batch) {
                    p.tick(now);
                }
            }, 0, tickMicros, TimeUnit.MICROSECONDS));
        });
    }

    public synchronized void stop() {
        tasks.forEach(t -> t.cancel(false));
        tasks.clear();
    }

    /**
     * Where sender {@code index} of {@code count}, each at {@code ratePerSecond}, starts in its
     * interval: spread evenly, so that the senders together offer a smooth rate instead of all
     * sending in the same tick (1,000 publishers at 20/s would otherwise send bursts of 1,000
     * every 50 ms). Add it to the elapsed time given to {@link #due}; it is less than one interval,
     * so no sender starts with a backlog.
     */
    public static long phaseNanos(int index, int count, double ratePerSecond) {
        if (count <= 1 || ratePerSecond <= 0) {
            return 0;
        }
        return (long) ((double) index / count * 1e9 / ratePerSecond);
    }

    /**
     * How many sends are due at {@code elapsedNanos} into a schedule of {@code ratePerSecond};
     * exact for any rate, without accumulating rounding error.
     */
    public static long due(long elapsedNanos, double ratePerSecond) {
        if (elapsedNanos <= 0 || ratePerSecond <= 0) {
            return 0;
        }
        return (long) Math.floor(elapsedNanos / 1e9 * ratePerSecond);
    }
}
