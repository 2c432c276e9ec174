package dev.hubbub.testkit;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenVerifier;
import dev.hubbub.core.channel.ChannelBus;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.channel.LocalBus;
import dev.hubbub.core.history.InMemoryMessageLog;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.history.Retention;
import dev.hubbub.core.identity.IdentityAudit;
import dev.hubbub.core.identity.IdentityGate;
import dev.hubbub.core.identity.Provenance;
import dev.hubbub.core.identity.RejectedClaims;
import dev.hubbub.core.limits.ClientIdLimits;
import dev.hubbub.core.limits.ClientIdRate;
import dev.hubbub.core.limits.LimitBites;
import dev.hubbub.core.outbound.FanOutPort;
import dev.hubbub.core.presence.PresenceService;
import dev.hubbub.core.presence.PresenceSettings;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.core.publish.Admission;
import dev.hubbub.core.publish.Publishing;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.ClientIdConnections;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.core.session.ConnectionRegistry;
import dev.hubbub.core.session.Connector;
import dev.hubbub.core.session.Disconnects;
import dev.hubbub.core.session.Limits;
import dev.hubbub.core.session.ResumeStore;
import dev.hubbub.core.session.Session;
import dev.hubbub.core.session.SessionServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The real core object graph for tests, wired as the server's composition root wires it (router,
 * identity gate, admission, message log, publish funnel, presence, disconnects, connector), with
 * what a test wants to control: keys, token verifier, clock, timers, limits, retention, fan-out
 * port. No Netty.
 */
public final class TestCore {
    public final Clock clock;
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final ChannelRouter router;
    public final InMemoryMessageLog log;
    public final BrokerMetrics metrics;
    public final IdentityGate gate;
    /** The apps' [meta]identity streams (off unless the builder set a rate). */
    public final IdentityAudit audit;
    public final Admission admission;
    public final ChannelBus bus;
    public final Publishing publishing;
    public final PresenceService presence;
    public final Disconnects disconnects;
    public final ConnectionRegistry connections;
    public final Authenticator authenticator;
    public final Limits limits;
    public final SessionServices services;
    public final Connector connector;
    public final LimitBites bites;
    public final ClientIdConnections clientIds;

    private TestCore(Builder b) {
        clock = b.clock;
        limits = b.limits;
        router = new ChannelRouter(b.fanOut);
        log = new InMemoryMessageLog(clock, b.retention, key -> router.find(key) != null, limits.connectionStateTtl());
        metrics = new BrokerMetrics(registry, router);
        bus = b.bus.apply(router, log);
        audit = b.auditRate == 0 ? IdentityAudit.OFF : new IdentityAudit(bus, clock, b.timers, b.auditRate, metrics::auditSuppressed);
        gate = new IdentityGate(new RejectedClaims(metrics::rejectedClaim, audit)); // as BrokerApp: counted, logged, audited
        admission = new Admission(limits.maxMessageSize(), audit);
        MessageLog shared = b.sharedLog.apply(bus, log);
        bites = new LimitBites(registry);
        bites.listen(audit::limitBitten); // as BrokerApp: limits per clientId are audited
        clientIds = new ClientIdConnections(b.clientIdLimits, b.elsewhere, bites);
        publishing = new Publishing(admission, gate, bus, clock, metrics, b.provenance,
                new ClientIdRate(b.clientIdLimits, clock, bites));
        presence = new PresenceService(router, shared, admission, gate, clock, b.timers, b.presence, b.provenance);
        disconnects = new Disconnects(metrics);
        connections = new ConnectionRegistry(clock, b.resumeStore);
        authenticator = new Authenticator(new KeyStore(b.keys), b.tokens, clock);
        services = new SessionServices(authenticator, router, bus, publishing, shared, presence, disconnects, connections, limits, clock,
                metrics, clientIds, audit);
        connector = new Connector(services);
    }

    public static Builder builder() { return new Builder(); }

    /**
     * A connection as a client opens it (JSON, protocol 6, echo on), recorded by a new transport;
     * fails the test when it is refused.
     *
     * @param resume the connectionKey to resume, or null
     * @param recover the connectionKey to recover, or null
     */
    public TestClient connect(String key, String clientId, String resume, String recover) {
        RecordingTransport t = new RecordingTransport();
        Session s = connector.connect(new ConnectRequest(key, null, clientId, "json", "6", true, resume, recover, "test"), t);
        assertNotNull(s, () -> "refused: " + t.frames());
        return new TestClient(s, t);
    }

    /** The counter's value, 0 when it was never registered. */
    public double count(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    public static final class Builder {
        private final List<ApiKey> keys = new ArrayList<>();
        private TokenVerifier tokens = TokenVerifier.NONE;
        private Clock clock = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
        private PresenceTimers timers = PresenceTimers.shared();
        private Limits limits = Limits.defaults();
        private PresenceSettings presence = PresenceSettings.defaults();
        private FanOutPort fanOut = FanOutPort.DIRECT;
        private Retention retention = Retention.defaults();
        private java.util.function.BiFunction<ChannelRouter, InMemoryMessageLog, ChannelBus> bus = LocalBus::new;

        private java.util.function.BiFunction<ChannelBus, InMemoryMessageLog, MessageLog> sharedLog = (bus, own) -> own;
        private ResumeStore resumeStore;
        private Provenance provenance = Provenance.OFF;
        private ClientIdLimits clientIdLimits = ClientIdLimits.OFF;
        private ClientIdConnections.Elsewhere elsewhere = ClientIdConnections.Elsewhere.NONE;

        /** Limits per clientId (default: none), and how other nodes' connections are counted (default: none). */
        public Builder clientIdLimits(ClientIdLimits l, ClientIdConnections.Elsewhere e) {
            this.clientIdLimits = l;
            this.elsewhere = e;
            return this;
        }

        private int auditRate;

        /** Turns the apps' [meta]identity streams on, at most {@code perSecond} events a second each (written by the timers). */
        public Builder audit(int perSecond) {
            this.auditRate = perSecond;
            return this;
        }

        /** Where messages and presence events get provenance headers (default: nowhere). */
        public Builder provenance(Provenance p) {
            this.provenance = p;
            return this;
        }

        /** Where other nodes' connections are resumed from (default: none, a single node). */
        public Builder resumeStore(ResumeStore store) {
            this.resumeStore = store;
            return this;
        }

        /**
         * The log sessions and presence read (default: this core's in-memory {@link #log}); a cluster's
         * shared log goes with a cluster's bus.
         */
        public Builder sharedLog(java.util.function.BiFunction<ChannelBus, InMemoryMessageLog, MessageLog> l) {
            this.sharedLog = l;
            return this;
        }

        /** The bus publishes go through (default: the single-node {@link LocalBus} over this core's log). */
        public Builder bus(java.util.function.BiFunction<ChannelRouter, InMemoryMessageLog, ChannelBus> b) {
            this.bus = b;
            return this;
        }

        public Builder retention(Retention r) {
            retention = r;
            return this;
        }

        public Builder key(ApiKey key) {
            keys.add(key);
            return this;
        }

        public Builder tokens(TokenVerifier verifier) {
            tokens = verifier;
            return this;
        }

        public Builder clock(Clock c) {
            clock = c;
            return this;
        }

        public Builder timers(PresenceTimers t) {
            timers = t;
            return this;
        }

        public Builder limits(Limits l) {
            limits = l;
            return this;
        }

        public Builder presence(PresenceSettings p) {
            presence = p;
            return this;
        }

        public Builder fanOut(FanOutPort port) {
            fanOut = port;
            return this;
        }

        public TestCore build() { return new TestCore(this); }
    }
}
