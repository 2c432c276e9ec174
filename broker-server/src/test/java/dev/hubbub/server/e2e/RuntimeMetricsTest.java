package dev.hubbub.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} on the public port (no admin listener) carries the JVM's, the process's and Netty's meters. */
class RuntimeMetricsTest {
    @Test
    void metricsHaveJvmProcessAndNettyMeters() throws Exception {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey("app.k", "secret", Capability.ALL)),
                Limits.defaults(), 8L * 1024 * 1024, 2);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (BrokerApp app = new BrokerApp(config, Clock.systemUTC(), registry)) {
            int port = app.start().getPort();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            String body = r.body();
            for (String meter : new String[] {
                    "jvm_memory_used_bytes{", "jvm_gc_", "jvm_threads_live_threads ", "jvm_classes_loaded_classes ",
                    "process_cpu_usage ", "system_cpu_count ", "process_uptime_seconds ", "process_files_open_files ",
                    "netty_allocator_memory_used{", "broker_connections "}) {
                assertTrue(body.contains("\n" + meter), () -> meter + " missing from /metrics:\n" + body);
            }
            // one pending-tasks gauge per event loop of the listener (ioThreads: 2)
            long loops = body.lines().filter(Pattern.compile("^netty_eventexecutor_tasks_pending\\{").asPredicate()).count();
            assertEquals(2, loops, body);
        }
    }
}
