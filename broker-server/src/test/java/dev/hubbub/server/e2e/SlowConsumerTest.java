package dev.hubbub.server.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.RawWebSocket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A subscriber that stops reading is disconnected once its unsent backlog passes the limit; the
 * broker's memory for it stays bounded and other subscribers get every message.
 */
class SlowConsumerTest {
    private static final long BACKLOG = 64 * 1024;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private BrokerApp app;
    private Socket stalled;

    @AfterEach
    void tearDown() throws Exception {
        if (stalled != null) {
            stalled.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void aSubscriberThatStopsReadingIsDroppedAndTheOthersGetEverything() throws Exception {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0,
                List.of(new ApiKey("app1.full", "secret-full", Capability.ALL)), Limits.defaults(), BACKLOG, 1);
        app = new BrokerApp(config, Clock.systemUTC(), registry);
        int port = app.start().getPort();
        String channel = TestServer.uniqueChannel("slow");

        stalled = stalledSubscriber(port, channel);
        try (RawWebSocket healthy = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?key=app1.full:secret-full&format=json&v=6"));
             RawWebSocket publisher = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?key=app1.full:secret-full&format=json&v=6"))) {
            healthy.awaitAction(4);
            publisher.awaitAction(4);
            healthy.send("{\"action\":10,\"channel\":\"" + channel + "\"}");
            healthy.await("ATTACHED", f -> f.path("action").asInt() == 11);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.broker().router().find(
                    new dev.hubbub.core.channel.ChannelKey("app1", channel)).subscriberCount() == 2);

            String payload = "x".repeat(4000);
            int count = 3000; // 12 MB: past what the kernel buffers for the stalled socket, and its 64 KiB backlog
            for (int i = 0; i < count; i++) {
                publisher.send("{\"action\":15,\"channel\":\"" + channel + "\",\"msgSerial\":" + i
                        + ",\"messages\":[{\"name\":\"n" + i + "\",\"data\":\"" + payload + "\"}]}");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> healthy.deliveredData(channel).size() == count);
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.counter("broker.connections.slow").count() == 1.0);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.broker().metrics().connections() == 2);
            assertTrue(healthy.isOpen());
            assertEquals(count, healthy.deliveredData(channel).size());
        }
    }

    /** A raw socket that upgrades, attaches, then never reads again (with a small receive buffer). */
    private static Socket stalledSubscriber(int port, String channel) throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        OutputStream out = s.getOutputStream();
        out.write(("GET /?key=app1.full:secret-full&format=json&v=6 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("closed during the handshake: " + head);
            }
            head.append((char) b);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
        out.write(maskedText("{\"action\":10,\"channel\":\"" + channel + "\"}"));
        out.flush();
        return s;
    }

    private static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        byte[] frame = new byte[2 + 4 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length); // short frames only
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return frame;
    }
}
