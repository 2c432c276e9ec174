package dev.hubbub.server.drain;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.testkit.RawWebSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on a real broker process ({@code dev.hubbub.server.Main} in a child JVM on the test
 * classpath; {@link Process#destroy()} is SIGTERM on Linux): a connected client is told DISCONNECTED
 * 80003 before its socket closes, and the process exits 0 within a bound.
 */
class DrainProcessTest {
    private static final Pattern LISTENING = Pattern.compile("hubbub listening on [^ ]+:(\\d+) ");

    @TempDir
    Path dir;
    private Process process;
    private RawWebSocket client;

    @AfterEach
    void cleanUp() {
        if (client != null) {
            client.close();
        }
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    @Test
    void sigtermDrainsAndExitsZero() throws Exception {
        Path config = dir.resolve("broker.yaml");
        Files.writeString(config, """
                server:
                  host: 127.0.0.1
                  port: 0
                  closeLinger: 200
                  drainTimeout: 2000
                keys:
                  - name: "app1.full"
                    secret: "secret-full"
                """);
        Path stdout = dir.resolve("stdout.txt");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.hubbub.server.Main",
                "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(stdout.toFile()).start();

        AtomicReference<Integer> port = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            Matcher m = LISTENING.matcher(Files.readString(stdout));
            if (m.find()) {
                port.set(Integer.parseInt(m.group(1)));
            }
            return port.get() != null || !process.isAlive();
        });
        assertTrue(process.isAlive(), () -> "the broker did not start: " + read(stdout));

        client = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port.get() + "/?key=app1.full%3Asecret-full&format=json&v=6"));
        client.awaitAction(4); // CONNECTED
        client.send("{\"action\":10,\"channel\":\"drained\"}");
        client.awaitAction(11); // ATTACHED

        long started = System.nanoTime();
        process.destroy(); // SIGTERM
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), "the broker did not exit after SIGTERM");
        assertEquals(0, process.exitValue(), () -> "exit code; output: " + read(stdout));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10));

        // told DISCONNECTED 80003, and only then the socket closed
        client.awaitClosed();
        List<JsonNode> frames = client.frames();
        JsonNode last = frames.get(frames.size() - 1);
        assertEquals(6, last.path("action").asInt(), () -> "last frame before the close: " + frames);
        assertEquals(80003, last.path("error").path("code").asInt(), last::toString);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (Exception e) {
            return "<" + e + ">";
        }
    }
}
