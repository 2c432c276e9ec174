package dev.hubbub.transport;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenVerifier;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.channel.SharedFrame;
import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.session.Broker;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.Limits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real core Broker for transport tests: three keys, a fixed clock, default limits. */
public final class TestBroker {
    public static final long NOW = 1_700_000_000_000L;
    public static final String FULL_KEY = "app1.full:secret1";
    public static final String SUBSCRIBE_ONLY_KEY = "app1.subonly:secret2";
    public static final String OTHER_APP_KEY = "app2.full:secret3";

    public final ChannelRouter router = new ChannelRouter();
    public final BrokerMetrics metrics = new BrokerMetrics(new SimpleMeterRegistry(), router);
    public final Broker broker;

    public TestBroker() {
        Clock clock = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
        KeyStore keys = new KeyStore(List.of(
                new ApiKey("app1.full", "secret1", Capability.ALL),
                new ApiKey("app1.subonly", "secret2", Capability.parse("{\"*\":[\"subscribe\"]}").value()),
                new ApiKey("app2.full", "secret3", Capability.ALL)));
        broker = new Broker(new Authenticator(keys, TokenVerifier.NONE, clock), router, Limits.defaults(), clock, metrics);
    }

    /** Attaches a recording subscriber to a channel of app1, as a realtime client would be. */
    public RecordingSubscriber subscribe(String appId, String channel) {
        RecordingSubscriber s = new RecordingSubscriber();
        router.attach(new ChannelKey(appId, channel), s, Flags.MODE_SUBSCRIBE);
        return s;
    }

    /** A channel subscriber that records what it is sent. */
    public static final class RecordingSubscriber implements Subscriber {
        private static final java.util.concurrent.atomic.AtomicInteger IDS = new java.util.concurrent.atomic.AtomicInteger();
        public final List<ProtocolMessage> received = new CopyOnWriteArrayList<>();
        private final String id = "recording-subscriber-" + IDS.incrementAndGet();

        @Override
        public String connectionId() { return id; }

        @Override
        public boolean echoes() { return true; }

        @Override
        public void deliver(SharedFrame frame) { received.add(frame.message()); }
    }
}
