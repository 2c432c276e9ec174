package dev.hubbub.cluster;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.presence.PresenceRelay;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Presence members shared by the cluster. Each node writes the changes it makes to its own
 * connections' members (one script per frame: the members hash, the channel's log, the
 * announcement), and every node's copy follows from the channel's feed. Members are owned by a
 * node, which shows it is alive with a heartbeat; when a node's heartbeat stops for
 * {@code presenceDeadAfterMillis} (15 s by default), another node removes its members, each LEAVE
 * made once, inside a script. So a node killed with its members in place has them leave within
 * 4/3 of that (20 s by default).
 */
public final class ClusterPresence implements PresenceRelay {
    private static final Logger log = LoggerFactory.getLogger(ClusterPresence.class);

    private final ClusterNode node;
    private final long deadAfterMillis;
    private final Script presenceScript = Script.load("presence.lua");
    private final Script reapScript = Script.load("reap.lua");

    /** With the node's settings: heartbeats at an eighth of the dead-after time, reaping every third of it. */
    public ClusterPresence(ClusterNode node) {
        this(node, Math.max(100, node.settings().presenceDeadAfterMillis() / 8), node.settings().presenceDeadAfterMillis(),
                Math.max(100, node.settings().presenceDeadAfterMillis() / 3));
    }

    /** With other timings (tests): a dead node's members leave within {@code deadAfter + reapEvery}. */
    public ClusterPresence(ClusterNode node, long heartbeatMillis, long deadAfterMillis, long reapEveryMillis) {
        this.node = node;
        this.deadAfterMillis = deadAfterMillis;
        node.every(heartbeatMillis, this::heartbeat);
        node.every(reapEveryMillis, this::reap);
        heartbeat();
    }

    @Override
    public CompletionStage<ErrorInfo> relay(ChannelKey key, ProtocolMessage frame, String owner, List<PresenceMessage> present) {
        String prefix = RedisKeys.channel(key);
        List<PresenceMessage> events = frame.presence();
        String[] args = new String[7 + 2 * events.size()];
        args[0] = RedisKeys.freshEpoch();
        args[1] = Long.toString(node.settings().retainMillis());
        args[2] = Integer.toString(node.settings().maxMessagesPerChannel());
        args[3] = RedisKeys.feed(prefix);
        args[4] = prefix;
        args[5] = StoredPresence.entry(owner, frame.id(), frame.timestamp() == null ? 0 : frame.timestamp(), events, present);
        args[6] = Integer.toString(events.size());
        for (int i = 0; i < events.size(); i++) {
            PresenceMessage e = events.get(i);
            PresenceMessage p = i < present.size() ? present.get(i) : null;
            args[7 + 2 * i] = StoredPresence.field(e.connectionId(), e.clientId());
            args[8 + 2 * i] = p == null ? "" : StoredPresence.member(node.settings().nodeId(), p);
        }
        Shard shard = node.shard(key);
        if (!shard.reachable()) {
            return CompletableFuture.completedFuture(ErrorCode.CLUSTER_UNREACHABLE.info(
                    "Unable to change presence: the cluster's storage is unreachable"));
        }
        return shard.script(presenceScript, new String[] {RedisKeys.meta(prefix), RedisKeys.stream(prefix),
                RedisKeys.members(prefix), RedisKeys.nodeChannels(node.settings().nodeId())}, args)
                .handle((r, failure) -> {
                    if (failure == null) {
                        return null;
                    }
                    log.debug("presence change not stored in the cluster: {}", failure.toString());
                    return ClusterBus.failed(failure);
                });
    }

    /** This node is alive: on every server, so each can tell whose members to reap. */
    private void heartbeat() {
        for (Shard s : node.shards()) {
            if (s.reachable()) {
                s.async().zadd(RedisKeys.NODES, (double) System.currentTimeMillis(), node.settings().nodeId());
            }
        }
    }

    /** Removes the members of nodes whose heartbeat stopped, one channel (one script) at a time. */
    private void reap() {
        long now = System.currentTimeMillis();
        for (Shard s : node.shards()) {
            if (!s.reachable()) {
                continue;
            }
            try {
                List<String> dead = s.async().zrangebyscore(RedisKeys.NODES,
                        io.lettuce.core.Range.create(Double.NEGATIVE_INFINITY, (double) (now - deadAfterMillis)))
                        .get(node.settings().commandTimeoutMillis(), TimeUnit.MILLISECONDS);
                for (String nodeId : dead) {
                    if (!nodeId.equals(node.settings().nodeId())) {
                        reap(s, nodeId, now);
                    }
                }
            } catch (Exception e) {
                log.debug("presence reaping failed: {}", e.toString());
            }
        }
    }

    private void reap(Shard s, String deadNode, long now) throws Exception {
        String index = RedisKeys.nodeChannels(deadNode);
        int left = 0;
        for (String prefix : s.async().smembers(index).get(node.settings().commandTimeoutMillis(), TimeUnit.MILLISECONDS)) {
            Object count = s.async().eval(reapScript.source(), io.lettuce.core.ScriptOutputType.INTEGER,
                    new String[] {RedisKeys.meta(prefix), RedisKeys.stream(prefix), RedisKeys.members(prefix), index},
                    RedisKeys.freshEpoch(), Long.toString(node.settings().retainMillis()),
                    Integer.toString(node.settings().maxMessagesPerChannel()), RedisKeys.feed(prefix), prefix, deadNode,
                    Long.toString(now)).get(node.settings().commandTimeoutMillis(), TimeUnit.MILLISECONDS);
            left += ((Number) count).intValue();
        }
        if (s.async().scard(index).get(node.settings().commandTimeoutMillis(), TimeUnit.MILLISECONDS) == 0) {
            s.async().zrem(RedisKeys.NODES, deadNode);
        }
        if (left > 0) {
            log.info("node {} stopped: {} of its presence member(s) left", deadNode, left);
        }
    }
}
