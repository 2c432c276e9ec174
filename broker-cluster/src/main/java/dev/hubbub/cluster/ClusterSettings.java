package dev.hubbub.cluster;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * How a node joins a cluster.
 *
 * @param redis            the Redis servers channels are spread over (each {@code redis://host:port});
 *                         every node must list the same servers in the same order
 * @param nodeId           this node's name, unique in the cluster (presence members are owned by it)
 * @param commandTimeoutMillis how long a Redis command may take before the publish is NACKed (50003)
 *                         or the read fails
 * @param maxMessagesPerChannel messages a channel's shared log keeps (history, rewind, resume)
 * @param retainMillis     how long an idle channel's log and position live in Redis (at least the
 *                         connectionStateTtl, so a client may resume from it)
 * @param dedupeMillis     how long a message id (and a realtime publish's answer) is remembered
 * @param unreachableMillis how long Redis may be unreachable before this node's clients are told to
 *                         reconnect (DISCONNECTED); publishes fail at once meanwhile
 * @param pollMillis       how often a node checks the channels it delivers against Redis (fills what
 *                         pub/sub lost, keeps positions alive): a lost announcement is delivered
 *                         within two of these
 * @param lingerMillis     how long a node stays subscribed to a channel it has no subscriber for
 * @param presenceDeadAfterMillis how long a node's heartbeat may be silent before other nodes remove
 *                         its presence members (they leave within this and a third of it more)
 */
public record ClusterSettings(List<URI> redis, String nodeId, long commandTimeoutMillis, int maxMessagesPerChannel,
                              long retainMillis, long dedupeMillis, long unreachableMillis, long pollMillis,
                              long lingerMillis, long presenceDeadAfterMillis) {
    public ClusterSettings {
        redis = List.copyOf(redis);
        if (redis.isEmpty()) {
            throw new IllegalArgumentException("cluster.redis lists no server");
        }
        for (URI u : redis) {
            if (!"redis".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException("cluster.redis: '" + u + "' is not redis://host:port");
            }
        }
        Objects.requireNonNull(nodeId, "nodeId");
        if (nodeId.isEmpty() || nodeId.length() > 64 || !nodeId.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("cluster.nodeId must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        if (commandTimeoutMillis <= 0 || maxMessagesPerChannel <= 0 || retainMillis <= 0 || dedupeMillis <= 0
                || unreachableMillis <= 0 || pollMillis <= 0 || lingerMillis < 0 || presenceDeadAfterMillis < 300) {
            throw new IllegalArgumentException("cluster timeouts and sizes must be positive");
        }
    }

    /** The defaults for everything but the servers and the node's name. */
    public static ClusterSettings of(List<URI> redis, String nodeId) {
        return new ClusterSettings(redis, nodeId, 2_000, 1_000, 180_000, 120_000, 10_000, 1_000, 10_000, 15_000);
    }

    public ClusterSettings withTimings(long commandTimeout, long unreachable, long poll, long linger) {
        return new ClusterSettings(redis, nodeId, commandTimeout, maxMessagesPerChannel, retainMillis, dedupeMillis, unreachable,
                poll, linger, presenceDeadAfterMillis);
    }

    public ClusterSettings withRetention(int maxMessages, long retain, long dedupe) {
        return new ClusterSettings(redis, nodeId, commandTimeoutMillis, maxMessages, retain, dedupe, unreachableMillis,
                pollMillis, lingerMillis, presenceDeadAfterMillis);
    }

    /** A node whose heartbeat is silent this long is dead: its presence members are removed. */
    public ClusterSettings withPresenceDeadAfter(long millis) {
        return new ClusterSettings(redis, nodeId, commandTimeoutMillis, maxMessagesPerChannel, retainMillis, dedupeMillis,
                unreachableMillis, pollMillis, lingerMillis, millis);
    }
}
