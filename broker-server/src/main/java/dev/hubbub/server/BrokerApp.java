package dev.hubbub.server;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenRevocations;
import dev.hubbub.core.channel.ChannelBus;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.channel.LocalBus;
import dev.hubbub.cluster.ClusterBus;
import dev.hubbub.cluster.ClusterLog;
import dev.hubbub.cluster.ClusterNode;
import dev.hubbub.cluster.ClusterPresence;
import dev.hubbub.cluster.RedisNonceStore;
import dev.hubbub.cluster.RedisClientIdTally;
import dev.hubbub.cluster.RedisResumeStore;
import dev.hubbub.cluster.RedisRevocationStore;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.session.DisconnectReason;
import dev.hubbub.core.health.Readiness;
import dev.hubbub.core.history.InMemoryMessageLog;
import dev.hubbub.core.identity.AuditEvent;
import dev.hubbub.core.identity.IdentityAudit;
import dev.hubbub.core.identity.IdentityGate;
import dev.hubbub.core.identity.RejectedClaims;
import dev.hubbub.core.presence.PresenceService;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.core.limits.ClientIdRate;
import dev.hubbub.core.limits.LimitBites;
import dev.hubbub.core.publish.Admission;
import dev.hubbub.core.publish.Publishing;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.ClientIdConnections;
import dev.hubbub.core.session.ConnectionRegistry;
import dev.hubbub.core.session.Connector;
import dev.hubbub.core.session.Disconnects;
import dev.hubbub.core.session.RevokedSessions;
import dev.hubbub.core.session.SessionServices;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.server.console.ConsoleRoute;
import dev.hubbub.transport.AdminServer;
import dev.hubbub.transport.BrokerServer;
import dev.hubbub.transport.http.HealthRoute;
import dev.hubbub.transport.http.HistoryRoute;
import dev.hubbub.transport.http.PresenceRoute;
import dev.hubbub.transport.http.RestAuth;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.http.RevokeTokensRoute;
import dev.hubbub.transport.http.TokenRoute;
import dev.hubbub.transport.tls.ServerTls;
import dev.hubbub.transport.tls.TlsConfigException;
import dev.hubbub.transport.tls.TransportSecurity;
import dev.hubbub.transport.ws.NettyFanOut;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds the whole object graph by hand, in the order a reader would
 * explain it, and starts the listener. Each class gets exactly the collaborators it uses.
 */
public final class BrokerApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerApp.class);

    private final ChannelRouter router;
    private final MessageLog messageLog;
    /** The in-memory log of a single node; null in a cluster. */
    private final InMemoryMessageLog localLog;
    /** This node's connection to the cluster; null for a single node. */
    private final ClusterNode cluster;
    private final ConnectionRegistry connections;
    private final PresenceService presence;
    private volatile PresenceTimers.Cancellable sweeping;
    private final BrokerMetrics metrics;
    /** Gives native memory back once the node goes quiet (see QuietTrim); checked by the sweep. */
    private final QuietTrim quietTrim;
    private final LimitBites limitBites;
    private final BrokerServer server;
    /** The listener for /metrics, /health and /ready; null without server.admin (they are on the public port). */
    private final AdminServer admin;
    private volatile InetSocketAddress adminAddress;
    private final RuntimeMetrics runtimeMetrics;
    /** Whether the listener serves the web console at /console. */
    private final boolean consoleServed;
    /** The listener's TLS; null without server.tls. */
    private final ServerTls tls;
    private final long tlsCheckMillis;
    private final Readiness readiness = new Readiness();
    private volatile boolean listening;
    private InetSocketAddress address;
    private final long drainTimeoutMillis;
    private final long closeLingerMillis;
    private final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.CountDownLatch drained = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    public BrokerApp(BrokerConfig config, Clock clock, MeterRegistry registry) {
        this(config, clock, registry, PresenceTimers.shared());
    }

    /** @param presenceTimers runs grace-period presence LEAVEs (tests drive one by hand) */
    public BrokerApp(BrokerConfig config, Clock clock, MeterRegistry registry, PresenceTimers presenceTimers) {
        // who may connect: the configured keys, and tokens signed by them
        // a cluster: this node's connections to Redis, shared by everything that is cluster-wide
        this.cluster = config.cluster() != null ? new ClusterNode(config.cluster()) : null;
        this.drainTimeoutMillis = config.drainTimeoutMillis();
        this.closeLingerMillis = config.closeLingerMillis();
        KeyStore keys = new KeyStore(config.keys());
        // a TokenRequest's nonce is used once: on this node, or anywhere in the cluster; token lifetimes from tokens:
        TokenAuthority tokens = cluster != null
                ? new TokenAuthority(keys, clock, config.tokens(), new RedisNonceStore(cluster))
                : new TokenAuthority(keys, clock, config.tokens());
        Authenticator authenticator = new Authenticator(keys, tokens, clock);
        // where messages go: channels by app and name, fanned out by the network layer
        this.router = new ChannelRouter(new NettyFanOut());
        this.metrics = new BrokerMetrics(registry, router);
        Runnable trim = QuietTrim.nativeHeapTrim();
        this.quietTrim = new QuietTrim(() -> metrics.activity() + router.deliveries(), QUIET_EVENTS_PER_SWEEP,
                QuietTrim.jitMillis(), QUIET_COMPILE_MILLIS_PER_SWEEP, trim != null ? trim : () -> { });
        FunctionCounter.builder("broker.native.trims", quietTrim, QuietTrim::trims)
                .description("Native-memory trims done when the node went quiet").register(registry);
        // what each channel keeps: its order (serials), recent messages, recent message ids;
        // one node keeps them in memory, a cluster in Redis, shared by every node
        ChannelBus bus;
        if (cluster != null) {
            ClusterBus clusterBus = new ClusterBus(cluster, router);
            bus = clusterBus;
            this.localLog = null;
            this.messageLog = new ClusterLog(cluster, clusterBus);
            readiness.register("cluster", cluster::reachable);
            Gauge.builder("broker.cluster.reachable", cluster, c -> c.reachable() ? 1 : 0)
                    .description("1 while every Redis server of the cluster answers").register(registry);
            Gauge.builder("broker.cluster.channels", clusterBus, ClusterBus::feedCount)
                    .description("Channels this node receives from the cluster").register(registry);
            FunctionCounter.builder("broker.cluster.filled", clusterBus, ClusterBus::filledFromLog)
                    .description("Entries delivered from the shared log because their announcement was lost").register(registry);
            FunctionCounter.builder("broker.cluster.continuity.lost", clusterBus, ClusterBus::continuityLost)
                    .description("Times subscribers were told a channel lost continuity (ATTACHED+90003)").register(registry);
        } else {
            // a channel's position outlives its subscribers for as long as one of them may still resume from it
            this.localLog = new InMemoryMessageLog(clock, config.retention(), key -> router.find(key) != null,
                    config.limits().connectionStateTtl() + 2 * SWEEP_MILLIS);
            bus = new LocalBus(router, localLog);
            this.messageLog = localLog;
            Gauge.builder("broker.history.bytes", localLog, InMemoryMessageLog::retainedBytes)
                    .description("Bytes of messages kept for history, rewind and resume").register(registry);
            FunctionCounter.builder("broker.history.evicted", localLog, InMemoryMessageLog::evictedForSpace)
                    .description("Messages evicted early by the history byte bounds").register(registry);
        }
        // each app's [meta]identity channel: notable identity decisions, written by the broker through the bus
        // (so kept for history and rewind, and across a cluster), at most audit.maxEventsPerSecond a second per app
        int auditRate = config.audit().maxEventsPerSecond();
        IdentityAudit audit = auditRate == 0 ? IdentityAudit.OFF
                : new IdentityAudit(bus, clock, PresenceTimers.shared(), auditRate, metrics::auditSuppressed);
        // the rules on the way in: one identity gate (each rejection counted, logged and audited), one set of
        // write checks (a capability denial audited), one publish funnel
        IdentityGate gate = new IdentityGate(new RejectedClaims(metrics::rejectedClaim, audit));
        Admission admission = new Admission(config.limits().maxMessageSize(), audit);
        // where messages and presence events tell how their clientId was established (config: provenance; default nowhere)
        // limits per person (config: apps.<app>.maxConnectionsPerClientId, maxPublishRatePerClientId; default none):
        // each bite counted, logged, and told to whoever listens (an audit trail)
        this.limitBites = new LimitBites(registry);
        limitBites.listen(audit::limitBitten);
        Publishing publishing = new Publishing(admission, gate, bus, clock, metrics, config.provenance(),
                new ClientIdRate(config.clientIdLimits(), clock, limitBites));
        this.presence = new PresenceService(router, messageLog, admission, gate, clock, presenceTimers, config.presence(),
                config.provenance());
        if (cluster != null) {
            // presence members shared by every node: changes go to Redis, each node's copy follows the channel's feed
            ((ClusterBus) bus).deliverPresenceTo(presence);
            presence.relayThrough(new ClusterPresence(cluster));
        }
        // connections: what each session works with, and the one way out
        Disconnects disconnects = new Disconnects(metrics);
        // a connection may be resumed on another node of the cluster (its key stored hashed, for connectionStateTtl)
        this.connections = new ConnectionRegistry(clock,
                cluster != null ? new RedisResumeStore(cluster, config.limits().connectionStateTtl()) : null);
        Connector connector = new Connector(new SessionServices(authenticator, router, bus, publishing, messageLog, presence, disconnects, connections,
                config.limits(), clock, metrics, clientIdConnections(config, cluster, limitBites), audit));
        // the network: REST and WebSocket on one port
        RestAuth restAuth = new RestAuth(authenticator);
        RestHandler rest = new RestHandler(restAuth, publishing, clock);
        rest.with(new PresenceRoute(restAuth, presence));
        rest.with(new HistoryRoute(restAuth, messageLog));
        rest.with(new TokenRoute(tokens, restAuth));
        wireRevocation(config, clock, presenceTimers, tokens, authenticator, rest, audit);
        // probes: /health while the process runs, /ready while every check passes, /metrics for Prometheus;
        // on the admin listener when there is one (the public port then answers none of them), else on the public port
        readiness.register("listening", () -> listening);
        readiness.register("draining", () -> !draining.get());
        List<RestHandler.Route> probes = new ArrayList<>(List.of(new HealthRoute(metrics), new ReadyRoute(readiness)));
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            probes.add(new MetricsRoute(prometheus));
        }
        if (config.admin() != null) {
            this.admin = new AdminServer(config.admin().host(), config.admin().port(), probes);
        } else {
            this.admin = null;
            probes.forEach(rest::with);
        }
        // the web console (/console): static files that talk to the broker through the SDK and the REST API above, as
        // any app does; served by default only when the listener is bound to loopback (config: console.enabled)
        this.consoleServed = config.console().servedOn(config.host());
        if (consoleServed) {
            ConsoleRoute console = new ConsoleRoute();
            if (!console.missing().isEmpty()) {
                log.warn("web console: this build lacks {} (built without npm?); /console will not work", console.missing());
            }
            rest.with(console);
        }
        // TLS (wss://, https://) when configured; an API key over plaintext refused (40103) when asked
        this.tls = config.tls() != null ? loadTls(config) : null;
        this.tlsCheckMillis = config.tls() != null ? config.tls().checkIntervalMillis() : 0;
        this.server = new BrokerServer(connector, rest, config.limits(), new BrokerServer.Options(config.host(), config.port(),
                config.ioThreads(), config.maxBacklogBytes(), 2 * config.limits().maxFrameSize(), config.closeLingerMillis(),
                config.listener(), config.io()), new TransportSecurity(tls, config.refuseKeyOverPlaintext()));
        // connection attempts refused by the per-address rate (429 / 42922)
        FunctionCounter.builder("broker.connections.refused", server, BrokerServer::refusedForRate)
                .description("Connection attempts refused, by reason").tag("reason", "rate").register(registry);
        // the process beside the broker: JVM, CPU, files; Netty's allocator and memory pressure (event loops once they exist)
        this.runtimeMetrics = new RuntimeMetrics(registry);
        runtimeMetrics.bindListener(server);
    }

    /** The files were checked when the config was read; one that went bad since then stops the start here. */
    private static ServerTls loadTls(BrokerConfig config) {
        try {
            return ServerTls.load(config.tls().certFile(), config.tls().keyFile(), config.tls().provider());
        } catch (TlsConfigException e) {
            throw new IllegalStateException("server.tls." + e.setting() + ": " + e.getMessage());
        }
    }

    /**
     * Token revocation (revokeTokens): rules every node holds in memory and checks every token
     * against; in a cluster also stored in Redis and broadcast, so every node ends the live
     * connections a rule names and a node that starts loads them (not ready until it has).
     */
    private void wireRevocation(BrokerConfig config, Clock clock, PresenceTimers timers, TokenAuthority tokens,
                                Authenticator authenticator, RestHandler rest, IdentityAudit audit) {
        TokenRevocations revocations = tokens.revocations();
        // each revokeTokens request taken here is told to its app (rules learned from other nodes are not: their
        // own node told it)
        revocations.onRevoke((keyName, rules, refused) -> {
            if (!rules.isEmpty()) {
                audit.record(AuditEvent.tokensRevoked(keyName, rules, audit.now()));
            }
        });
        if (cluster != null) {
            RedisRevocationStore shared = new RedisRevocationStore(cluster, revocations,
                    config.keys().stream().map(ApiKey::name).toList(), clock);
            revocations.shareThrough(shared);
            readiness.register("revocations", shared::loaded);
        }
        new RevokedSessions(connections, authenticator, clock, timers).follow(revocations);
        rest.with(new RevokeTokensRoute(revocations, rest.auth()));
    }

    public BrokerApp(BrokerConfig config) {
        this(config, Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public InetSocketAddress start() throws InterruptedException {
        address = server.start();
        runtimeMetrics.bindEventLoops(server.workers());
        if (admin != null) {
            adminAddress = admin.start();
        }
        if (tls != null) {
            log.info("TLS by {}", tls.describe());
            String expiry = tls.validityWarning();
            if (expiry != null) {
                log.warn(expiry);
            }
            tls.watch(tlsCheckMillis);
        }
        scheduleSweep();
        if (cluster != null) {
            cluster.every(1_000, () -> {
                if (cluster.unreachableMillis() > cluster.settings().unreachableMillis()) {
                    // never serve from this node alone: its clients reconnect (elsewhere, where there is another node)
                    int told = connections.endAll(DisconnectReason.UNAVAILABLE);
                    if (told > 0) {
                        log.warn("cluster storage unreachable for {} ms: {} connection(s) told to reconnect",
                                cluster.unreachableMillis(), told);
                    }
                }
            });
        }
        listening = true;
        return address;
    }

    /**
     * Expired history is dropped as channels are written and read; idle channels' logs every few
     * seconds, on the shared timer thread (not the presence timers a test may drive by hand).
     */
    private void scheduleSweep() {
        sweeping = PresenceTimers.shared().schedule(() -> {
            try {
                if (localLog != null) {
                    localLog.sweep();
                }
                connections.purge();
                quietTrim.check();
            } finally {
                if (sweeping != null) {
                    scheduleSweep();
                }
            }
        }, SWEEP_MILLIS);
    }

    static final long SWEEP_MILLIS = 5_000;
    /** Fewer events than this (messages in and out, connections opened and closed) in one sweep's 5 s: quiet. */
    static final long QUIET_EVENTS_PER_SWEEP = 1_000;
    /** And less JIT compiling than this, in ms, in those 5 s (see QuietTrim). */
    static final long QUIET_COMPILE_MILLIS_PER_SWEEP = 100;

    public InetSocketAddress address() { return address; }

    /** The admin listener's bound address, or null without server.admin (or before {@link #start()}). */
    public InetSocketAddress adminAddress() { return adminAddress; }

    /** The I/O transport the listener runs (io_uring, epoll or NIO), once started. */
    public dev.hubbub.transport.IoTransport ioTransport() { return server.transport(); }

    /** For tests and diagnostics: the live channels. */
    public ChannelRouter router() { return router; }

    /** For tests and diagnostics: presence sets. */
    public PresenceService presence() { return presence; }

    public BrokerMetrics metrics() { return metrics; }

    /** Whether the listener serves the web console at {@code /console} (config: console.enabled; default loopback only). */
    public boolean consoleServed() { return consoleServed; }

    /** Where the limits per person report each bite: an audit trail attaches its listener here. */
    public LimitBites limitBites() { return limitBites; }

    /**
     * The connections of each clientId, where an app limits them: counted on this node, and in a
     * cluster on every node (each node's count in Redis, a dead node's ignored after presenceDeadAfter).
     */
    private static ClientIdConnections clientIdConnections(BrokerConfig config, ClusterNode cluster, LimitBites bites) {
        if (cluster == null) {
            return new ClientIdConnections(config.clientIdLimits(), ClientIdConnections.Elsewhere.NONE, bites);
        }
        RedisClientIdTally tally = new RedisClientIdTally(cluster);
        ClientIdConnections connections = new ClientIdConnections(config.clientIdLimits(), tally, bites);
        tally.refreshFrom(connections::counts);
        return connections;
    }

    /** The listener's TLS (its provider and certificate, and {@link ServerTls#reload()}), or null without TLS. */
    public ServerTls tls() { return tls; }

    /** What {@code GET /ready} reports; register a check for anything this node needs to serve (e.g. its cluster backend). */
    public Readiness readiness() { return readiness; }

    /** For tests and diagnostics: the channels' message log (in memory, or the cluster's). */
    public MessageLog log() { return messageLog; }

    /** For tests and diagnostics: this node's cluster connection, or null for a single node. */
    public ClusterNode cluster() { return cluster; }

    /**
     * Graceful drain (SIGTERM): {@code /ready} fails at once ("draining"), the listener stops
     * accepting (connections already open stay), every realtime client is told DISCONNECTED 80003
     * so its SDK reconnects (elsewhere, where there is another node) with its presence members kept
     * for the grace period; then waits up to {@code server.drainTimeout} for them to leave, and
     * closes the rest and the server. A cluster node keeps its Redis connection until its
     * connections are closed, so publishes in flight complete. Idempotent: a second call waits for
     * the first (bounded by the drain timeout).
     */
    public void drain() {
        if (!draining.compareAndSet(false, true)) {
            try {
                drained.await(drainTimeoutMillis + closeLingerMillis + 15_000, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        try {
            long deadline = System.nanoTime() + drainTimeoutMillis * 1_000_000L;
            server.stopAccepting();
            int told = connections.endAll(DisconnectReason.DRAINING);
            log.info("draining: not accepting; {} connection(s) told to reconnect; waiting up to {} ms", told, drainTimeoutMillis);
            // the sessions end on their own threads; then each socket lingers (closeLinger) for its client to close it
            while (liveConnections() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            long socketsDeadline = Math.min(deadline, System.nanoTime() + (closeLingerMillis + 200) * 1_000_000L);
            while (server.openConnections() > 0 && System.nanoTime() < socketsDeadline) {
                Thread.sleep(50);
            }
            log.info("drained: {} connection(s) and {} socket(s) left; closing", liveConnections(), server.openConnections());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
            drained.countDown();
        }
    }

    private int liveConnections() {
        int[] n = {0};
        connections.forEachLive(s -> n[0]++);
        return n[0];
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        listening = false;
        PresenceTimers.Cancellable s = sweeping;
        sweeping = null;
        if (s != null) {
            s.cancel();
        }
        server.close();
        if (admin != null) {
            admin.close();
        }
        runtimeMetrics.close();
        if (tls != null) {
            tls.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
