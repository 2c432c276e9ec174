package dev.hubbub.server;

import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.core.session.Broker;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.transport.BrokerServer;
import dev.hubbub.transport.http.PresenceRoute;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.http.TokenRoute;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;

/**
 * The composition root: builds the whole object graph by hand, in the order a reader would
 * explain it, and starts the listener.
 */
public final class BrokerApp implements AutoCloseable {
    private final Broker broker;
    private final BrokerServer server;
    private InetSocketAddress address;

    public BrokerApp(BrokerConfig config, Clock clock, MeterRegistry registry) {
        this(config, clock, registry, PresenceTimers.shared());
    }

    /** @param presenceTimers runs grace-period presence LEAVEs (tests drive one by hand) */
    public BrokerApp(BrokerConfig config, Clock clock, MeterRegistry registry, PresenceTimers presenceTimers) {
        // who may connect: the configured keys, and tokens signed by them
        KeyStore keys = new KeyStore(config.keys());
        TokenAuthority tokens = new TokenAuthority(keys, clock);
        Authenticator authenticator = new Authenticator(keys, tokens, clock);
        // where messages go: channels by app and name
        ChannelRouter router = new ChannelRouter();
        BrokerMetrics metrics = new BrokerMetrics(registry, router);
        // the core, which owns sessions and the identity gate
        this.broker = new Broker(authenticator, router, config.limits(), clock, metrics, presenceTimers);
        // the network: REST and WebSocket on one port
        RestHandler rest = new RestHandler(broker);
        rest.with(new PresenceRoute(rest.auth(), broker.presence()));
        rest.with(new TokenRoute(tokens, rest.auth()));
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            rest.with(new MetricsRoute(prometheus));
        }
        this.server = new BrokerServer(broker, rest, new BrokerServer.Options(config.host(), config.port(),
                config.ioThreads(), config.maxBacklogBytes(), 2 * config.limits().maxFrameSize()));
    }

    public BrokerApp(BrokerConfig config) {
        this(config, Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    public InetSocketAddress start() throws InterruptedException {
        address = server.start();
        return address;
    }

    public InetSocketAddress address() { return address; }

    public Broker broker() { return broker; }

    @Override
    public void close() { server.close(); }
}
