package dev.hubbub.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@code GET /health} and {@code GET /ready} over HTTP against a started broker, without credentials. */
class HealthEndpointsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> send(TestServer server, String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void healthIsOkWhileTheProcessRuns() throws Exception {
        try (TestServer server = TestServer.start()) {
            HttpResponse<String> r = send(server, "GET", "/health");
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("ok", json(r).path("status").textValue());
            assertEquals(404, send(server, "POST", "/health").statusCode());
        }
    }

    @Test
    void readyFollowsTheRegisteredChecks() throws Exception {
        try (TestServer server = TestServer.start()) {
            assertTrue(server.app().readiness().ready(), "listening once started");
            HttpResponse<String> ready = send(server, "GET", "/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertEquals("ready", json(ready).path("status").textValue());

            AtomicBoolean backend = new AtomicBoolean(false);
            server.app().readiness().register("backend", backend::get);
            HttpResponse<String> notReady = send(server, "GET", "/ready");
            assertEquals(503, notReady.statusCode(), notReady.body());
            JsonNode body = json(notReady);
            assertEquals("not ready", body.path("status").textValue());
            assertEquals(List.of("backend"), List.of(body.path("failing").get(0).textValue()));
            assertEquals(1, body.path("failing").size());

            backend.set(true);
            assertEquals(200, send(server, "GET", "/ready").statusCode());
            assertEquals(404, send(server, "POST", "/ready").statusCode(), "GET only");
        }
    }

    @Test
    void notListeningBeforeStartOrAfterClose() throws Exception {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey("app.k", "secret", Capability.ALL)),
                Limits.defaults(), 8L * 1024 * 1024, 1);
        try (BrokerApp app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry())) {
            assertEquals(List.of("listening"), app.readiness().failing());
            app.start();
            assertTrue(app.readiness().ready());
            app.close();
            assertFalse(app.readiness().ready());
            assertEquals(List.of("listening"), app.readiness().failing());
        }
    }
}
