package dev.hubbub.cluster;

import dev.hubbub.core.channel.ChannelKey;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's connections to the cluster's Redis servers, and the threads cluster work runs on:
 * lanes (one thread per group of channels, so one channel's deliveries stay in order and never
 * wait on Lettuce's I/O threads) and one timer. Shared by the bus, the log and the stores.
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
    private static final int LANES = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final ClusterSettings settings;
    private final ClientResources resources;
    private final List<Shard> shards = new ArrayList<>();
    private final ExecutorService[] lanes = new ExecutorService[LANES];
    private final ScheduledExecutorService timer;
    private volatile BiConsumer<String, String> announcements = (c, m) -> {};
    private volatile Runnable reconnected = () -> {};

    public ClusterNode(ClusterSettings settings) {
        this.settings = settings;
        // back within a second of Redis returning: reconnect attempts back off, but never beyond 1 s
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .reconnectDelay(io.lettuce.core.resource.Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        for (int i = 0; i < LANES; i++) {
            lanes[i] = Executors.newSingleThreadExecutor(Threads.named("hubbub-cluster-lane-" + i));
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(Threads.named("hubbub-cluster-timer"));
        for (var uri : settings.redis()) {
            shards.add(new Shard(uri, resources, settings.commandTimeoutMillis(), (c, m) -> announcements.accept(c, m),
                    () -> reconnected.run()));
        }
        log.info("cluster node {} on {} Redis server(s)", settings.nodeId(), shards.size());
    }

    public ClusterSettings settings() { return settings; }

    /** The Redis server a channel lives on. */
    Shard shard(ChannelKey key) { return shards.get(RedisKeys.shard(key, shards.size())); }

    List<Shard> shards() { return shards; }

    /** The thread a channel's cluster work runs on. */
    ExecutorService lane(ChannelKey key) {
        int h = key.hashCode();
        return lanes[Math.floorMod(h ^ (h >>> 16), LANES)];
    }

    void onAnnouncement(BiConsumer<String, String> handler) { this.announcements = handler; }

    void onReconnect(Runnable handler) { this.reconnected = handler; }

    /** Runs {@code task} every {@code millis} on the timer thread (a failure is logged, the next run still comes). */
    public void every(long millis, Runnable task) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("cluster task failed: {}", e.toString());
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Whether every Redis server answers. */
    public boolean reachable() {
        for (Shard s : shards) {
            if (!s.reachable()) {
                return false;
            }
        }
        return true;
    }

    /** How long (ms) some Redis server has been unreachable; 0 while all are reachable. */
    public long unreachableMillis() {
        long longest = 0;
        for (Shard s : shards) {
            if (!s.reachable()) {
                longest = Math.max(longest, (System.nanoTime() - s.unreachableSince()) / 1_000_000L);
            }
        }
        return longest;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        for (ExecutorService lane : lanes) {
            lane.shutdownNow();
        }
        for (Shard s : shards) {
            try {
                s.close();
            } catch (RuntimeException e) {
                log.debug("closing a Redis connection: {}", e.toString());
            }
        }
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
