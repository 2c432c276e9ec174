package dev.hubbub.server.config;

import dev.hubbub.cluster.ClusterSettings;
import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.config.ConfigLoader.ClusterShape;
import dev.hubbub.server.config.ConfigLoader.LimitsShape;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;

/** The {@code cluster} section: the Redis servers, this node's id and the cluster's timings. */
final class ClusterSection {
    private ClusterSection() {}

    /** The cluster section, or null when there is none (a single node). */
    static ClusterSettings cluster(String fileName, String text, ClusterShape s, LimitsShape limits) throws ConfigException {
        if (s == null) {
            return null;
        }
        ConfigLoader.check(fileName, text, "cluster", "redis", s.redis() != null && !s.redis().isEmpty(),
                "must list at least one Redis server (redis://host:port)");
        List<URI> servers = new ArrayList<>();
        for (String r : s.redis()) {
            URI uri;
            try {
                uri = r == null ? null : new URI(r);
            } catch (URISyntaxException e) {
                uri = null;
            }
            ConfigLoader.check(fileName, text, "cluster", "redis", uri != null && "redis".equals(uri.getScheme()) && uri.getHost() != null,
                    "entries must be redis://host:port, was '" + ConfigLoader.withoutPassword(r) + "'");
            servers.add(uri);
        }
        String nodeId = s.nodeId() != null ? s.nodeId() : "node-" + ChannelSerial.newEpoch();
        ConfigLoader.check(fileName, text, "cluster", "nodeId", nodeId.matches("[A-Za-z0-9._-]{1,64}"), "must be 1-64 characters of A-Z a-z 0-9 . _ -");
        ClusterSettings d = ClusterSettings.of(servers, nodeId);
        long timeout = s.commandTimeout() != null ? s.commandTimeout() : d.commandTimeoutMillis();
        int maxMessages = s.maxMessagesPerChannel() != null ? s.maxMessagesPerChannel() : d.maxMessagesPerChannel();
        long unreachable = s.unreachableTimeout() != null ? s.unreachableTimeout() : d.unreachableMillis();
        ConfigLoader.check(fileName, text, "cluster", "commandTimeout", timeout >= 10 && timeout <= 60_000, "must be 10..60000 (ms)");
        ConfigLoader.check(fileName, text, "cluster", "maxMessagesPerChannel", maxMessages >= 1, "must be at least 1");
        ConfigLoader.check(fileName, text, "cluster", "unreachableTimeout", unreachable >= 100, "must be at least 100 (ms)");
        long deadAfter = s.presenceDeadAfter() != null ? s.presenceDeadAfter() : d.presenceDeadAfterMillis();
        ConfigLoader.check(fileName, text, "cluster", "presenceDeadAfter", deadAfter >= 1000, "must be at least 1000 (ms)");
        long stateTtl = limits != null && limits.connectionStateTtl() != null ? limits.connectionStateTtl() : Limits.defaults().connectionStateTtl();
        return d.withTimings(timeout, unreachable, d.pollMillis(), d.lingerMillis())
                .withRetention(maxMessages, Math.max(d.retainMillis(), stateTtl + 60_000), d.dedupeMillis())
                .withPresenceDeadAfter(deadAfter);
    }
}
