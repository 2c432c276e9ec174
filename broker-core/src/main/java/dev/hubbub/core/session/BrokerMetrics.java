package dev.hubbub.core.session;

import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.identity.IdentityGate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The broker's meters: connections, channels, messages in and out, disconnects and rejected identity claims by reason. */
public final class BrokerMetrics {
    private final MeterRegistry registry;
    private final AtomicInteger connections = new AtomicInteger();
    private final LongAdder connectionChanges = new LongAdder(); // opened plus closed, ever
    private final Counter messagesIn;
    private final Counter slowConsumers;
    private final Counter inboundLimited;
    private final Counter auditSuppressed;
    private final Map<DisconnectReason, Counter> disconnects = new EnumMap<>(DisconnectReason.class);
    private final Map<IdentityGate.Rejection, Counter> rejectedClaims = new EnumMap<>(IdentityGate.Rejection.class);

    public BrokerMetrics(MeterRegistry registry, ChannelRouter router) {
        this.registry = registry;
        Gauge.builder("broker.connections", connections, AtomicInteger::get)
                .description("Open realtime connections").register(registry);
        Gauge.builder("broker.channels", router, ChannelRouter::channelCount)
                .description("Channels with at least one attached connection").register(registry);
        messagesIn = Counter.builder("broker.messages.in").description("Messages accepted from publishers").register(registry);
        FunctionCounter.builder("broker.messages.out", router, ChannelRouter::deliveries)
                .description("Message and presence frames handed to subscribers").register(registry);
        for (DisconnectReason r : DisconnectReason.values()) {
            disconnects.put(r, Counter.builder("broker.disconnects").description("Connections ended, by reason")
                    .tag("reason", r.name().toLowerCase()).register(registry));
        }
        slowConsumers = Counter.builder("broker.connections.slow").description("Connections dropped for not keeping up").register(registry);
        inboundLimited = Counter.builder("broker.inbound.limited")
                .description("Messages and presence messages refused by the per-connection inbound rate limit (42911)").register(registry);
        auditSuppressed = Counter.builder("broker.identity.audit.suppressed")
                .description("Identity audit events left out by the per-app rate of the [meta]identity stream").register(registry);
        for (IdentityGate.Rejection r : IdentityGate.Rejection.values()) {
            rejectedClaims.put(r, Counter.builder("broker.identity.rejected")
                    .description("Rejected clientId claims").tag("reason", r.name().toLowerCase()).register(registry));
        }
    }

    public MeterRegistry registry() { return registry; }

    public void connectionOpened() {
        connections.incrementAndGet();
        connectionChanges.increment();
    }

    public void connectionClosed() {
        connections.decrementAndGet();
        connectionChanges.increment();
    }

    /**
     * Events so far that make the node busy: messages accepted, connections opened and closed (a
     * count that only grows). Deliveries are the router's ({@code ChannelRouter.deliveries}).
     */
    public long activity() {
        return (long) messagesIn.count() + connectionChanges.sum();
    }

    public int connections() { return connections.get(); }

    public void messagesIn(int n) { messagesIn.increment(n); }

    public void disconnected(DisconnectReason reason) { disconnects.get(reason).increment(); }

    public void slowConsumer() { slowConsumers.increment(); }

    /** Messages (or presence messages) refused by a connection's inbound rate limit. */
    public void inboundLimited(int n) { inboundLimited.increment(n); }

    /** Identity audit events left out by an app's stream rate. */
    public void auditSuppressed(int n) { auditSuppressed.increment(n); }

    public void rejectedClaim(IdentityGate.Rejection reason) { rejectedClaims.get(reason).increment(); }

    public void authFailed(int code) {
        registry.counter("broker.auth.failed", "code", Integer.toString(code)).increment();
    }
}
