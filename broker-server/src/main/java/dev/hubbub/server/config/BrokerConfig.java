package dev.hubbub.server.config;

import dev.hubbub.cluster.ClusterSettings;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.TokenSettings;
import dev.hubbub.core.history.Retention;
import dev.hubbub.core.identity.Provenance;
import dev.hubbub.core.limits.ClientIdLimits;
import dev.hubbub.core.presence.PresenceSettings;
import dev.hubbub.core.session.Limits;
import dev.hubbub.transport.IoTransport;
import dev.hubbub.transport.ListenerLimits;
import java.util.List;
import java.util.Objects;

/**
 * The validated, frozen configuration. Built only by {@link ConfigLoader} (and by tests): the
 * constructors give the defaults of everything past the listener, and each {@code with...} method a
 * copy with one part changed ({@link Copy} is the one place that lists every component).
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
 * @param clientIdLimits    limits per person (connections and publish rate per clientId), per app;
 *                          null means none ({@link ClientIdLimits#OFF})
 * @param audit             the apps' {@code [meta]identity} streams; null means {@link AuditSettings#DEFAULTS}
 * @param console           whether the listener serves the web console; null means {@link ConsoleSettings#DEFAULTS}
 *                          (on when the listener is bound to loopback)
 * @param io                how the listener's event loops do socket I/O ({@code server.io}); null means
 *                          {@link IoTransport#AUTO}
 */
public record BrokerConfig(String host, int port, List<ApiKey> keys, Limits limits, long maxBacklogBytes, int ioThreads,
                           long closeLingerMillis, PresenceSettings presence, Retention retention, ClusterSettings cluster,
                           TlsSettings tls, boolean refuseKeyOverPlaintext, long drainTimeoutMillis, TokenSettings tokens,
                           ListenerLimits listener, Provenance provenance, AdminSettings admin, LogSettings logging,
                           ClientIdLimits clientIdLimits, AuditSettings audit, ConsoleSettings console, IoTransport io) {
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
        clientIdLimits = clientIdLimits != null ? clientIdLimits : ClientIdLimits.OFF;
        audit = audit != null ? audit : AuditSettings.DEFAULTS;
        console = console != null ? console : ConsoleSettings.DEFAULTS;
        io = io != null ? io : IoTransport.AUTO;
    }

    /** Without TLS, with the default drain timeout and the defaults of every later part. */
    public BrokerConfig(String host, int port, List<ApiKey> keys, Limits limits, long maxBacklogBytes, int ioThreads,
                        long closeLingerMillis, PresenceSettings presence, Retention retention, ClusterSettings cluster) {
        this(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention, cluster, null, false,
                DEFAULT_DRAIN_TIMEOUT_MILLIS, null, null, null, null, null, null, null, null, null);
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
    public BrokerConfig withCluster(ClusterSettings settings) { return edit(c -> c.cluster = settings); }

    /** The same node with TLS (null: none) and the plaintext key policy. */
    public BrokerConfig withTls(TlsSettings settings, boolean refuseKey) {
        return edit(c -> {
            c.tls = settings;
            c.refuseKeyOverPlaintext = refuseKey;
        });
    }

    /** The same node on another address or port (null: unchanged). */
    public BrokerConfig withListener(String newHost, Integer newPort) {
        return edit(c -> {
            c.host = newHost != null ? newHost : host;
            c.port = newPort != null ? newPort : port;
        });
    }

    /** The same node with another drain timeout (ms). */
    public BrokerConfig withDrainTimeout(long millis) { return edit(c -> c.drainTimeoutMillis = millis); }

    /** The same node with other token lifetimes. */
    public BrokerConfig withTokens(TokenSettings settings) { return edit(c -> c.tokens = settings); }

    /** The same node with other listener limits. */
    public BrokerConfig withListenerLimits(ListenerLimits newLimits) { return edit(c -> c.listener = newLimits); }

    /** The same node with provenance on for other channels ({@link Provenance#OFF}: none). */
    public BrokerConfig withProvenance(Provenance p) { return edit(c -> c.provenance = p); }

    /** The same node with an admin listener (null: /metrics, /health and /ready on the public listener). */
    public BrokerConfig withAdmin(AdminSettings settings) { return edit(c -> c.admin = settings); }

    /** The same node with another log format and level. */
    public BrokerConfig withLogging(LogSettings settings) { return edit(c -> c.logging = settings); }

    /** The same node with other limits per clientId ({@link ClientIdLimits#OFF}: none). */
    public BrokerConfig withClientIdLimits(ClientIdLimits l) { return edit(c -> c.clientIdLimits = l); }

    /** The same node with other [meta]identity stream settings. */
    public BrokerConfig withAudit(AuditSettings settings) { return edit(c -> c.audit = settings); }

    /** The same node with the web console on, off, or (null, {@link ConsoleSettings#DEFAULTS}) on only on loopback. */
    public BrokerConfig withConsole(ConsoleSettings settings) { return edit(c -> c.console = settings); }

    /** The same node with another I/O transport. */
    public BrokerConfig withIo(IoTransport transport) { return edit(c -> c.io = transport); }

    private BrokerConfig edit(java.util.function.Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.build();
    }

    /** A config's components, to change some and build another. */
    private static final class Copy {
        String host;
        int port;
        final List<ApiKey> keys;
        final Limits limits;
        final long maxBacklogBytes;
        final int ioThreads;
        final long closeLingerMillis;
        final PresenceSettings presence;
        final Retention retention;
        ClusterSettings cluster;
        TlsSettings tls;
        boolean refuseKeyOverPlaintext;
        long drainTimeoutMillis;
        TokenSettings tokens;
        ListenerLimits listener;
        Provenance provenance;
        AdminSettings admin;
        LogSettings logging;
        ClientIdLimits clientIdLimits;
        AuditSettings audit;
        ConsoleSettings console;
        IoTransport io;

        Copy(BrokerConfig from) {
            host = from.host;
            port = from.port;
            keys = from.keys;
            limits = from.limits;
            maxBacklogBytes = from.maxBacklogBytes;
            ioThreads = from.ioThreads;
            closeLingerMillis = from.closeLingerMillis;
            presence = from.presence;
            retention = from.retention;
            cluster = from.cluster;
            tls = from.tls;
            refuseKeyOverPlaintext = from.refuseKeyOverPlaintext;
            drainTimeoutMillis = from.drainTimeoutMillis;
            tokens = from.tokens;
            listener = from.listener;
            provenance = from.provenance;
            admin = from.admin;
            logging = from.logging;
            clientIdLimits = from.clientIdLimits;
            audit = from.audit;
            console = from.console;
            io = from.io;
        }

        BrokerConfig build() {
            return new BrokerConfig(host, port, keys, limits, maxBacklogBytes, ioThreads, closeLingerMillis, presence, retention,
                    cluster, tls, refuseKeyOverPlaintext, drainTimeoutMillis, tokens, listener, provenance, admin, logging,
                    clientIdLimits, audit, console, io);
        }
    }
}
