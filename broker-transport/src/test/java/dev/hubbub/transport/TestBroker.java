package dev.hubbub.transport;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.Connector;
import dev.hubbub.core.session.Limits;
import dev.hubbub.testkit.TestSubscriber;
import dev.hubbub.testkit.TestCore;
import dev.hubbub.transport.http.HealthRoute;
import dev.hubbub.transport.http.RestAuth;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.ws.NettyFanOut;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

/** The real core graph for transport tests, with Netty's fan-out: three keys, a fixed clock, default limits. */
public final class TestBroker {
    public static final long NOW = 1_700_000_000_000L;
    public static final String FULL_KEY = "app1.full:secret1";
    public static final String SUBSCRIBE_ONLY_KEY = "app1.subonly:secret2";
    public static final String OTHER_APP_KEY = "app2.full:secret3";

    public final TestCore core = TestCore.builder()
            .key(new ApiKey("app1.full", "secret1", Capability.ALL))
            .key(new ApiKey("app1.subonly", "secret2", Capability.parse("{\"*\":[\"subscribe\"]}").value()))
            .key(new ApiKey("app2.full", "secret3", Capability.ALL))
            .clock(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC))
            .fanOut(new NettyFanOut())
            .build();
    public final ChannelRouter router = core.router;
    public final BrokerMetrics metrics = core.metrics;
    public final Connector connector = core.connector;
    public final Limits limits = core.limits;

    /** The REST API over this core, with {@code /health} (as on a broker without an admin listener). */
    public RestHandler rest() {
        return new RestHandler(new RestAuth(core.authenticator), core.publishing, core.clock).with(new HealthRoute(core.metrics));
    }

    /** Attaches a recording subscriber to a channel, as a realtime client would be. */
    public TestSubscriber subscribe(String appId, String channel) {
        TestSubscriber s = TestSubscriber.recording("recording-subscriber-" + IDS.incrementAndGet());
        router.attach(new ChannelKey(appId, channel), s, Flags.MODE_SUBSCRIBE);
        return s;
    }

    private static final AtomicInteger IDS = new AtomicInteger();
}
