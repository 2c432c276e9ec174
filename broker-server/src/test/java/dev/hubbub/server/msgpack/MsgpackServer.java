package dev.hubbub.server.msgpack;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.RawWebSocket;
import io.ably.lib.types.ClientOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** A real broker on 127.0.0.1 and an ephemeral port with one full-capability key. Close it after use. */
final class MsgpackServer implements AutoCloseable {
    static final String KEY = "mp.full:secret-mp";
    static final int MAX_MESSAGE_SIZE = Limits.defaults().maxMessageSize();
    static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());
    /** How a raw WebSocket reads this broker's frames: MessagePack in binary frames, JSON in text frames. */
    static final RawWebSocket.Decoder FRAMES = RawWebSocket.binaryAs(MSGPACK);

    private final BrokerApp app;
    private final InetSocketAddress address;

    private MsgpackServer(BrokerApp app, InetSocketAddress address) {
        this.app = app;
        this.address = address;
    }

    static MsgpackServer start() throws InterruptedException {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey("mp.full", "secret-mp", Capability.ALL)),
                Limits.defaults(), 8L * 1024 * 1024, 2);
        BrokerApp app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry());
        return new MsgpackServer(app, app.start());
    }

    int port() { return address.getPort(); }

    URI realtime(String query) { return URI.create("ws://127.0.0.1:" + port() + "/?" + query); }

    URI rest(String path) { return URI.create("http://127.0.0.1:" + port() + path); }

    /** ably-java options for this broker; {@code useBinaryProtocol} is left at the SDK's default unless given. */
    ClientOptions options(Boolean binary) {
        ClientOptions o = new ClientOptions();
        o.key = KEY;
        o.realtimeHost = "127.0.0.1";
        o.restHost = "127.0.0.1";
        o.port = port();
        o.tls = false;
        o.environment = null;
        o.fallbackHosts = new String[0];
        if (binary != null) {
            o.useBinaryProtocol = binary;
        }
        return o;
    }

    static String channel(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    @Override
    public void close() { app.close(); }
}
