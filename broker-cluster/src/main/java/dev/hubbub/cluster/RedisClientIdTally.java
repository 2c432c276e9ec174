package dev.hubbub.cluster;

import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.session.ClientIdConnections;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of each clientId across the cluster, for {@code maxConnectionsPerClientId}.
 * Each node keeps its own count of each clientId's connections in a Redis hash per (app,
 * clientId), one field per node ({@link RedisKeys#clientIdConnections}); a count asks the hash
 * and adds the fields of the nodes whose heartbeat is recent, removing those of nodes silent
 * for longer than {@code presenceDeadAfter}. So a node that dies with connections stops counting
 * within that time (15 s by default), without anyone having to clean up after it.
 *
 * <p>Heartbeats: into the same sorted set as {@link ClusterPresence}'s, on every server, at an
 * eighth of the dead-after time. Each hash expires {@link #KEEP_MILLIS} after its last write and
 * every node renews its own every {@link #REFRESH_MILLIS}, so a hash nobody asks about again does
 * not stay in Redis for good.
 *
 * <p>Counting waits for Redis (bounded by the command timeout) on the connecting thread, as a
 * resume from another node does; when Redis cannot answer, the other nodes count 0 and the limit
 * holds on this node alone. Two connects at the same instant on two nodes may both be admitted
 * (each counted the other's node before it wrote): the count is checked, not reserved,
 * cluster-wide.
 */
public final class RedisClientIdTally implements ClientIdConnections.Elsewhere {
    private static final Logger log = LoggerFactory.getLogger(RedisClientIdTally.class);
    static final long REFRESH_MILLIS = 60_000;
    static final long KEEP_MILLIS = 3 * REFRESH_MILLIS;

    private final ClusterNode node;
    private final long deadAfterMillis;
    private final Script countScript = Script.load("clientid-count.lua");
    private volatile Supplier<Map<String, Map<String, Integer>>> local = Map::of;
    /** Counts that changed while their server was unreachable: written again, count or removal, once it answers. */
    private final java.util.Set<java.util.Map.Entry<String, String>> unwritten = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** With the node's dead-after time; heartbeats at an eighth of it. */
    public RedisClientIdTally(ClusterNode node) {
        this(node, Math.max(100, node.settings().presenceDeadAfterMillis() / 8), node.settings().presenceDeadAfterMillis(),
                REFRESH_MILLIS);
    }

    /** Other timings (tests): a dead node's connections stop counting after {@code deadAfterMillis}. */
    public RedisClientIdTally(ClusterNode node, long heartbeatMillis, long deadAfterMillis, long refreshMillis) {
        this.node = node;
        this.deadAfterMillis = deadAfterMillis;
        node.every(heartbeatMillis, this::heartbeat);
        node.every(refreshMillis, this::refresh);
        heartbeat();
    }

    /** Where this node's counts are read for the periodic rewrite. */
    public void refreshFrom(Supplier<Map<String, Map<String, Integer>>> counts) { this.local = counts; }

    @Override
    public int count(String appId, String clientId) {
        Shard s = shard(appId, clientId);
        if (!s.reachable()) {
            return 0;
        }
        Outcome<Object> n = Blocking.await(s.async().eval(countScript.source(), ScriptOutputType.INTEGER,
                new String[] {RedisKeys.clientIdConnections(appId, clientId), RedisKeys.NODES}, node.settings().nodeId(),
                Long.toString(System.currentTimeMillis()), Long.toString(deadAfterMillis)),
                node.settings().commandTimeoutMillis(), "count the connections of a clientId");
        if (!n.isOk()) {
            log.debug("counting a clientId's connections on other nodes failed: {}", n.error().message());
            return 0;
        }
        return ((Number) n.value()).intValue();
    }

    @Override
    public void here(String appId, String clientId, int connections) {
        Shard s = shard(appId, clientId);
        if (!s.reachable()) {
            unwritten.add(Map.entry(appId, clientId)); // written (or removed) once the server answers again
            return;
        }
        write(s, appId, clientId, connections);
    }

    private void write(Shard s, String appId, String clientId, int connections) {
        String key = RedisKeys.clientIdConnections(appId, clientId);
        if (connections > 0) {
            // with a heartbeat on that server: a node's first connections count before its first periodic beat
            s.async().zadd(RedisKeys.NODES, (double) System.currentTimeMillis(), node.settings().nodeId());
            s.async().hset(key, node.settings().nodeId(), Integer.toString(connections));
            s.async().pexpire(key, KEEP_MILLIS);
        } else {
            s.async().hdel(key, node.settings().nodeId());
        }
    }

    /**
     * Keeps this node's hashes alive, and writes a count Redis lost (a restarted server) again. Only
     * where the field is missing: a count read here may be older than one written since.
     */
    private void refresh() {
        local.get().forEach((appId, byClientId) -> byClientId.forEach((clientId, n) -> {
            Shard s = shard(appId, clientId);
            if (s.reachable()) {
                String key = RedisKeys.clientIdConnections(appId, clientId);
                s.async().hsetnx(key, node.settings().nodeId(), Integer.toString(n));
                s.async().pexpire(key, KEEP_MILLIS);
            }
        }));
    }

    private void heartbeat() {
        for (Shard s : node.shards()) {
            if (s.reachable()) {
                s.async().zadd(RedisKeys.NODES, (double) System.currentTimeMillis(), node.settings().nodeId());
            }
        }
        rewriteUnwritten();
    }

    /**
     * The counts that changed while their server could not be told, as they stand now: a field left
     * at an old count would refuse (or close) connections of that clientId on every node.
     */
    private void rewriteUnwritten() {
        if (unwritten.isEmpty()) {
            return;
        }
        Map<String, Map<String, Integer>> now = local.get();
        for (Map.Entry<String, String> e : unwritten) {
            Shard s = shard(e.getKey(), e.getValue());
            if (s.reachable() && unwritten.remove(e)) {
                write(s, e.getKey(), e.getValue(), now.getOrDefault(e.getKey(), Map.of()).getOrDefault(e.getValue(), 0));
            }
        }
    }

    private Shard shard(String appId, String clientId) {
        CRC32 crc = new CRC32();
        crc.update(appId.getBytes(StandardCharsets.UTF_8));
        crc.update(0);
        crc.update(clientId.getBytes(StandardCharsets.UTF_8));
        return node.shards().get((int) (crc.getValue() % node.shards().size()));
    }
}
