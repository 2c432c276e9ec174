package dev.hubbub.server.config;

import dev.hubbub.cluster.ClusterSettings;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.TokenSettings;
import dev.hubbub.core.history.Retention;
import dev.hubbub.core.identity.Provenance;
import dev.hubbub.core.presence.PresenceSettings;
import dev.hubbub.core.session.Limits;
import dev.hubbub.transport.ListenerLimits;
import java.util.List;
import java.util.Objects;

/**
 * The validated, frozen configuration. Built only by {@link ConfigLoader} (and by tests).
 *
 * @param closeLingerMillis how long a client gets to read the last frame of a connection the
 *                          broker ends (ERROR, DISCONNECTED) and close it itself
 * @param cluster           the cluster this node joins, or null for a single node (the default)
 * @param tls               TLS on the listener (wss://, https://), or null for plain ws:// and http:// (the default)
 * @param refuseKeyOverPlaintext refuse an API key (Basic auth) on a connection that is not TLS, with 40103
 * @param drainTimeoutMillis how long a drain (SIGTERM) waits for clients told to reconnect to leave
 *                          before closing the rest
 * @param tokens            token lifetimes (default and longest, which also caps JWTs and is how long
 *                          revocations are kept); null means {@link TokenSettings#DEFAULTS}
 * @param listener          what the listener enforces before a request reaches the broker: the requestToken body
 *                          cap, the request body deadline, connection attempts per address; null means the defaults
 * @param provenance        the channels whose messages and presence events tell how their clientId
 *                          was established; null means none ({@link Provenance#OFF})
 * @param admin             the separate listener for /metrics, /health and /ready, or null to serve
 *                          them on the public listener (the default)
 * @param logging           the log format and level; null means {@link LogSettings#DEFAULTS}
 * @param audit             the apps' {@code [meta]identity} streams; null means {@link AuditSettings#DEFAULTS}
 */
public record BrokerConfig(String host, int port, List<ApiKey> keys, Limits limits, long maxBacklogBytes, int ioThreads,
                           long closeLingerMillis, PresenceSettings presence, Retention retention, ClusterSettings cluster,
                           TlsSettings tls, boolean refuseKeyOverPlaintext, long drainTimeoutMillis, TokenSettings tokens,
                           ListenerLimits listener, Provenance provenance,
                           AdminSettings admin, LogSettings logging, AuditSettings audit) {
    public static final long DEFAULT_CLOSE_LINGER_MILLIS = 1000;
    public static final long DEFAULT_DRAIN_TIMEOUT_MILLIS = 30_000;

    public BrokerConfig {
        keys = List.copyOf(keys);
        Objects.requireNonNull(limits);
        Objects.requireNonNull(presence);
        Objects.requireNonNull(retention);
        tokens = tokens != null ? tokens : TokenSettings.DEFAULTS;
        listener = listener != null ? listener : ListenerLimits.defaults();
        provenance = provenance != null ? provenance : Provenance.OFF;
        logging = logging != null ? logging : LogSettings.DEFAULTS;
        audit = audit != null ? audit : AuditSettings.DEFAULTS;
    }

    /** Without TLS, with the default drain timeout. */
    public BrokerConfig(String host, int port, List<ApiKey> keys, Limits limits, long maxBacklogBytes, int ioThreads,
                        long closeLingerMillis, PresenceSettings presence, Retention retention, ClusterSettings cluster) {
        this(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention, cluster, null, false,
                DEFAULT_DRAIN_TIMEOUT_MILLIS, TokenSettings.DEFAULTS, ListenerLimits.defaults(), Provenance.OFF, null,
                LogSettings.DEFAULTS, AuditSettings.DEFAULTS);
    }

    /** With the default close linger, presence settings and history retention. */
    public BrokerConfig(String host, int port, List<ApiKey> keys, Limits limits, long maxBacklogBytes, int ioThreads) {
        this(host, port, keys, limits, maxBacklogBytes, ioThreads, DEFAULT_CLOSE_LINGER_MILLIS, PresenceSettings.defaults(),
                Retention.defaults(), null);
    }

    /** A single node (no cluster). */
    public BrokerConfig(String host, int port, List<ApiKey> keys, Limits limits, long maxBacklogBytes, int ioThreads,
                        long closeLingerMillis, PresenceSettings presence, Retention retention) {
        this(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention, null);
    }

    /** The same node in a cluster (null: on its own). */
    public BrokerConfig withCluster(ClusterSettings settings) {
        return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                settings, tls, refuseKeyOverPlaintext, drainTimeoutMillis, tokens, listener, provenance, admin, logging, audit);
    }

    /** The same node with TLS (null: none) and the plaintext key policy. */
    public BrokerConfig withTls(TlsSettings settings, boolean refuseKey) {
        return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                cluster, settings, refuseKey, drainTimeoutMillis, tokens, listener, provenance, admin, logging, audit);
    }

    public BrokerConfig withListener(String newHost, Integer newPort) {
        return new BrokerConfig(newHost != null ? newHost : host, newPort != null ? newPort : port, keys, limits,
                maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention, cluster, tls, refuseKeyOverPlaintext,
                drainTimeoutMillis, tokens, listener, provenance, admin, logging, audit);
    }

    /** The same node with another drain timeout (ms). */
    public BrokerConfig withDrainTimeout(long millis) {
        return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                cluster, tls, refuseKeyOverPlaintext, millis, tokens, listener, provenance, admin, logging, audit);
    }

    /** The same node with other token lifetimes. */
    public BrokerConfig withTokens(TokenSettings settings) {
        return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                cluster, tls, refuseKeyOverPlaintext, drainTimeoutMillis, settings, listener, provenance, admin, logging, audit);
    }

    /** The same node with other listener limits. */
    public BrokerConfig withListenerLimits(ListenerLimits newLimits) {
        return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                cluster, tls, refuseKeyOverPlaintext, drainTimeoutMillis, tokens, newLimits, provenance, admin, logging, audit);
    }

    /** The same node with provenance on for other channels ({@link Provenance#OFF}: none). */
    public BrokerConfig withProvenance(Provenance p) {
        return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                cluster, tls, refuseKeyOverPlaintext, drainTimeoutMillis, tokens, listener, p, admin, logging, audit);
    }

    /** The same node with an admin listener (null: /metrics, /health and /ready on the public listener). */
    public BrokerConfig withAdmin(AdminSettings settings) {
        return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                cluster, tls, refuseKeyOverPlaintext, drainTimeoutMillis, tokens, listener, provenance, settings, logging, audit);
    }

    /** The same node with other [meta]identity stream settings. */
    public BrokerConfig withAudit(AuditSettings settings) {
        return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                cluster, tls, refuseKeyOverPlaintext, drainTimeoutMillis, tokens, listener, provenance, admin, logging, settings);
    }

    /** The same node with another log format and level. */
    public BrokerConfig withLogging(LogSettings settings) {
        return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                cluster, tls, refuseKeyOverPlaintext, drainTimeoutMillis, tokens, listener, provenance, admin, settings, audit);
    }
}
