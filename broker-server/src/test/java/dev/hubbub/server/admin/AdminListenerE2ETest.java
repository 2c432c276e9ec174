package dev.hubbub.server.admin;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.AdminSettings;
import dev.hubbub.server.config.BrokerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code server.admin}: /metrics, /health and /ready on their own listener, and nowhere else; the
 * public port keeps the realtime and REST API. /ready on the admin port follows a drain.
 */
class AdminListenerE2ETest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "app1.full:secret-full";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private BrokerApp app;
    private Socket idle;

    private BrokerApp start(long closeLingerMillis) throws InterruptedException {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey("app1.full", "secret-full", Capability.ALL)),
                Limits.defaults(), 8L * 1024 * 1024, 1, closeLingerMillis, dev.hubbub.core.presence.PresenceSettings.defaults(),
                dev.hubbub.core.history.Retention.defaults())
                .withAdmin(new AdminSettings("127.0.0.1", 0)).withDrainTimeout(20_000);
        app = new BrokerApp(config, Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        app.start();
        return app;
    }

    @AfterEach
    void stop() throws IOException {
        if (idle != null) {
            idle.close();
        }
        if (app != null) {
            app.close();
        }
    }

    private HttpResponse<String> send(int port, String method, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20)).method(method, method.equals("POST")
                        ? HttpRequest.BodyPublishers.ofString("{\"name\":\"n\",\"data\":\"d\"}") : HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization).header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return send(port, "GET", path, null);
    }

    private int publicPort() { return app.address().getPort(); }

    private int adminPort() { return app.adminAddress().getPort(); }

    @Test
    void probesAreOnTheAdminListenerOnly() throws Exception {
        start(1000);
        assertNotEquals(publicPort(), adminPort());

        HttpResponse<String> metrics = get(adminPort(), "/metrics");
        assertEquals(200, metrics.statusCode(), metrics.body());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), metrics.headers()::toString);
        assertTrue(metrics.body().contains("\nbroker_connections ") && metrics.body().contains("\njvm_memory_used_bytes{"),
                metrics.body());
        HttpResponse<String> health = get(adminPort(), "/health");
        assertEquals(200, health.statusCode(), health.body());
        assertEquals("ok", JSON.readTree(health.body()).path("status").asText());
        HttpResponse<String> ready = get(adminPort(), "/ready");
        assertEquals(200, ready.statusCode(), ready.body());

        // the public port answers none of them: no per-app counters, no probes
        for (String path : new String[] {"/metrics", "/health", "/ready"}) {
            HttpResponse<String> r = get(publicPort(), path);
            assertEquals(404, r.statusCode(), () -> path + " on the public port: " + r.body());
            assertEquals(40400, JSON.readTree(r.body()).path("error").path("code").asInt(), r.body());
        }
        // ...but still serves the REST API
        assertEquals(200, get(publicPort(), "/time").statusCode());
        String basic = "Basic " + Base64.getEncoder().encodeToString(KEY.getBytes(StandardCharsets.UTF_8));
        assertEquals(201, send(publicPort(), "POST", "/channels/c1/messages", basic).statusCode());
    }

    @Test
    void theAdminListenerServesNoApiAndNoWebSocket() throws Exception {
        start(1000);
        String basic = "Basic " + Base64.getEncoder().encodeToString(KEY.getBytes(StandardCharsets.UTF_8));
        assertEquals(404, send(adminPort(), "POST", "/channels/c1/messages", basic).statusCode());
        assertEquals(404, get(adminPort(), "/time").statusCode());
        assertEquals(404, send(adminPort(), "POST", "/ready", null).statusCode(), "GET only");

        try (Socket s = new Socket("127.0.0.1", adminPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /?key=" + KEY + "&format=json HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = statusLine(s.getInputStream());
            assertTrue(status.startsWith("HTTP/1.1 404"), status);
        }
    }

    @Test
    void anOversizedRequestIsRefused() throws Exception {
        start(1000);
        try (Socket s = new Socket("127.0.0.1", adminPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = statusLine(s.getInputStream());
            assertTrue(status.startsWith("HTTP/1.1 413"), status);
        }
    }

    @Test
    void readyOnTheAdminListenerTurns503OnDrain() throws Exception {
        start(3_000);
        assertEquals(200, get(adminPort(), "/ready").statusCode());
        // an open connection on the public port: the drain waits up to closeLinger for it, so it is observable
        idle = new Socket("127.0.0.1", publicPort());
        await().atMost(Duration.ofSeconds(10)).until(() -> app.readiness().ready());
        Thread drainer = new Thread(app::drain, "drain");
        drainer.start();

        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            HttpResponse<String> r = get(adminPort(), "/ready");
            assertEquals(503, r.statusCode(), r.body());
            JsonNode body = JSON.readTree(r.body());
            assertEquals("not ready", body.path("status").asText());
            assertEquals("draining", body.path("failing").get(0).asText());
        });
        assertTrue(drainer.isAlive(), "the drain had already finished: 503 proves nothing about the drain");
        assertEquals(200, get(adminPort(), "/metrics").statusCode(), "scrapes go on during a drain");

        // once drained and closed, the admin listener is gone too
        drainer.join(20_000);
        assertThrows(IOException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(app.adminAddress(), 1_000);
            }
        });
    }

    private static String statusLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\r' && c != '\n'; c = in.read()) {
            line.append((char) c);
        }
        return line.toString();
    }
}
