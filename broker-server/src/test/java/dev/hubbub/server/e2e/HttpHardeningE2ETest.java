package dev.hubbub.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.transport.ConnectionRate;
import dev.hubbub.transport.ListenerLimits;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The listener's defences against a real broker on an ephemeral port, with raw sockets: a body is
 * refused from its head without being sent, and connection attempts per address are limited.
 * (A long JWT in the connect URL: {@code token/LongJwtConnectTest}.)
 */
class HttpHardeningE2ETest {
    /** Reads blocked longer than this fail the test (no sleeps: the socket's own timeout). */
    private static final int READ_TIMEOUT_MS = 20_000;

    /** Sends {@code request}, then reads until the broker closes the connection; returns all it sent. */
    private static String exchange(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(READ_TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return readToClose(s.getInputStream());
        }
    }

    private static String readToClose(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) >= 0; ) { // -1: the broker closed; a timeout throws
            all.write(buf, 0, n);
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void anUnauthenticatedMegabytePostIsAnswered401WithoutItsBody() throws Exception {
        try (TestServer server = TestServer.start()) {
            String response = exchange(server.port(), "POST /channels/big/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"); // and not one byte of the body
            assertTrue(response.startsWith("HTTP/1.1 401"), response);
            assertTrue(response.contains("X-Ably-ErrorCode: 40101"), response);
            assertTrue(response.toLowerCase().contains("connection: close"), response);
        }
    }

    @Test
    void theNextConnectionPastTheBurstIsAnswered429AndCounted() throws Exception {
        List<ApiKey> keys = List.of(new ApiKey("app1.full", "secret-full", Capability.ALL));
        // three attempts, then one per 100 s: nothing refills during the test; loopback not exempt
        ListenerLimits tiny = ListenerLimits.defaults().withConnectionRate(new ConnectionRate(0.01, 3, List.of()));
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, keys, Limits.defaults(), 8L * 1024 * 1024, 1)
                .withListenerLimits(tiny);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (BrokerApp app = new BrokerApp(config, Clock.systemUTC(), registry)) {
            int port = app.start().getPort();
            String time = "GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            for (int i = 0; i < 3; i++) {
                String ok = exchange(port, time);
                assertTrue(ok.startsWith("HTTP/1.1 200"), "attempt " + i + ": " + ok);
            }
            String refused = exchange(port, time);
            assertTrue(refused.startsWith("HTTP/1.1 429"), refused);
            assertTrue(refused.contains("\"code\":42922"), refused);
            // a realtime connect is refused the same way: the SDKs take it as a failed connect and retry later
            String upgrade = exchange(port, "GET /?key=app1.full%3Asecret-full&format=json&v=2 HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            assertTrue(upgrade.startsWith("HTTP/1.1 429"), upgrade);
            assertTrue(upgrade.contains("X-Ably-ErrorCode: 42922"), upgrade);

            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> app.metrics() != null
                    && registry.find("broker.connections.refused").tag("reason", "rate").functionCounter().count() == 2);
            assertTrue(registry.scrape().contains("broker_connections_refused_total{reason=\"rate\"} 2.0"),
                    "what /metrics shows");
            assertEquals(0, app.metrics().connections(), "nothing refused got as far as a session");
        }
    }
}
