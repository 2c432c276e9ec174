package dev.hubbub.server.e2e;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

/** A real broker on 127.0.0.1 and an ephemeral port, with three keys. Close it after use. */
final class TestServer implements AutoCloseable {
    static final String FULL_KEY = "app1.full:secret-full";
    static final String SUBSCRIBE_ONLY_KEY = "app1.reader:secret-reader";
    static final String OTHER_APP_KEY = "app2.full:secret-other";

    private final BrokerApp app;
    private final InetSocketAddress address;

    private TestServer(BrokerApp app, InetSocketAddress address) {
        this.app = app;
        this.address = address;
    }

    static TestServer start() throws InterruptedException {
        List<ApiKey> keys = List.of(
                new ApiKey("app1.full", "secret-full", Capability.ALL),
                new ApiKey("app1.reader", "secret-reader", Capability.parse("{\"*\":[\"subscribe\"]}").value()),
                new ApiKey("app2.full", "secret-other", Capability.ALL));
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, keys, Limits.defaults(), 8L * 1024 * 1024, 2);
        BrokerApp app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry());
        return new TestServer(app, app.start());
    }

    int port() { return address.getPort(); }

    BrokerApp app() { return app; }

    /** The realtime URL with the given query (without the leading '?'). */
    URI realtime(String query) { return URI.create("ws://127.0.0.1:" + port() + "/?" + query); }

    static String uniqueChannel(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    @Override
    public void close() { app.close(); }
}
