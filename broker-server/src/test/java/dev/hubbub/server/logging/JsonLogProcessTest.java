package dev.hubbub.server.logging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker process ({@code Main} in a child JVM) started with {@code --log-format json}: everything
 * it writes is JSON lines, from the startup line (which names the admin listener) to the stop line.
 */
class JsonLogProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile(
            "hubbub listening on 127\\.0\\.0\\.1:(\\d+) .*; metrics, health and ready on http://127\\.0\\.0\\.1:(\\d+)/ only\\)");

    @TempDir
    Path dir;
    private Process process;

    @AfterEach
    void cleanUp() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    void everyLineIsJsonFromStartToStop() throws Exception {
        Path config = dir.resolve("broker.yaml");
        Files.writeString(config, """
                server:
                  port: 0
                  closeLinger: 100
                  drainTimeout: 1000
                  admin: { port: 0 }
                logging:
                  format: text
                keys:
                  - name: "app1.full"
                    secret: "secret-full"
                """);
        Path output = dir.resolve("output.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.hubbub.server.Main",
                "--config", config.toString(), "--log-format", "json")
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();

        int[] ports = new int[2];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (JsonNode event : events(output)) {
                Matcher m = LISTENING.matcher(event.path("formattedMessage").asText());
                if (m.matches()) {
                    ports[0] = Integer.parseInt(m.group(1));
                    ports[1] = Integer.parseInt(m.group(2));
                }
            }
            return ports[0] > 0 || !process.isAlive();
        });
        assertTrue(process.isAlive(), () -> "the broker did not start: " + read(output));
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ports[1] + "/metrics")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());

        process.destroy(); // SIGTERM: drains, logs that it stopped
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), "the broker did not exit after SIGTERM");
        assertEquals(0, process.exitValue(), () -> read(output));

        assertTrue(read(output).endsWith("\n"), () -> read(output));
        List<JsonNode> events = events(output);
        assertTrue(events.stream().allMatch(e -> e.isObject() && e.path("level").isTextual() && e.path("timestamp").isNumber()),
                () -> read(output));
        assertTrue(events.stream().anyMatch(e -> e.path("formattedMessage").asText().startsWith("hubbub listening on")
                && e.path("loggerName").asText().equals("dev.hubbub.server.Main")), () -> read(output));
        assertEquals("hubbub stopped", events.get(events.size() - 1).path("formattedMessage").asText(), () -> read(output));
    }

    /** The complete lines written so far, each parsed as JSON (it throws on any line that is not). */
    private static List<JsonNode> events(Path file) throws Exception {
        String text = Files.readString(file);
        List<JsonNode> events = new ArrayList<>();
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).lines().toList()) {
            events.add(JSON.readTree(line));
        }
        return events;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return "<" + e + ">";
        }
    }
}
