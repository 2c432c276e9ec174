package dev.hubbub.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * One Redis server of the cluster, as one node sees it: a connection for commands (pipelined,
 * thread-safe) and one for pub/sub. Bounded everywhere: every command times out, a disconnected
 * connection rejects commands at once instead of queueing them, and the queue of commands in
 * flight has a cap. Lettuce reconnects on its own (and subscribes again); {@link #reachable}
 * says whether the command connection is up.
 */
final class Shard implements AutoCloseable {
    private static final int MAX_QUEUED_COMMANDS = 100_000;

    private final URI uri;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> pubsub;
    private volatile boolean reachable = true;
    private volatile long unreachableSince;

    /** @param announcements gets (pub/sub channel, payload) of every announcement, on Lettuce's thread */
    Shard(URI uri, ClientResources resources, long timeoutMillis, BiConsumer<String, String> announcements, Runnable reconnected) {
        this.uri = uri;
        RedisURI target = RedisURI.create(uri);
        target.setTimeout(Duration.ofMillis(timeoutMillis));
        this.client = RedisClient.create(resources, target);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(MAX_QUEUED_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofMillis(timeoutMillis)))
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofMillis(timeoutMillis)).keepAlive(true).build())
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(io.lettuce.core.RedisChannelHandler<?, ?> connection) {
                if (connection == commands && reachable) {
                    unreachableSince = System.nanoTime();
                    reachable = false;
                }
            }

            @Override
            public void onRedisConnected(io.lettuce.core.RedisChannelHandler<?, ?> connection, SocketAddress address) {
                if (connection == commands || commands == null) {
                    reachable = true;
                }
                if (connection == pubsub) {
                    reconnected.run();
                }
            }
        });
        this.commands = client.connect();
        this.pubsub = client.connectPubSub();
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                announcements.accept(channel, message);
            }
        });
    }

    URI uri() { return uri; }

    RedisAsyncCommands<String, String> async() { return commands.async(); }

    boolean reachable() { return reachable && commands.isOpen(); }

    /** Nanos (System.nanoTime) since which the shard is unreachable; meaningless while reachable. */
    long unreachableSince() { return unreachableSince; }

    CompletionStage<Void> subscribe(String channel) {
        return pubsub.async().subscribe(channel).toCompletableFuture();
    }

    /**
     * Hands the messages of pub/sub channel {@code channel} to {@code handler} (on Lettuce's thread:
     * be quick), besides the announcements; subscribed again after a reconnect, as every channel is.
     */
    CompletionStage<Void> listen(String channel, Consumer<String> handler) {
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String from, String message) {
                if (channel.equals(from)) {
                    handler.accept(message);
                }
            }
        });
        return subscribe(channel);
    }

    CompletionStage<Void> unsubscribe(String channel) {
        return pubsub.async().unsubscribe(channel).toCompletableFuture();
    }

    /**
     * Runs a script. Always EVAL with the script's text, never EVALSHA: after a NOSCRIPT (a restarted
     * Redis) a second attempt would overtake the calls behind it, and one channel's publishes must
     * reach Redis in the order they were made. Redis caches the compiled script either way.
     */
    CompletionStage<List<Object>> script(Script script, String[] keys, String... args) {
        return commands.async().<List<Object>>eval(script.source(), ScriptOutputType.MULTI, keys, args).toCompletableFuture();
    }

    @Override
    public void close() {
        pubsub.close();
        commands.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
