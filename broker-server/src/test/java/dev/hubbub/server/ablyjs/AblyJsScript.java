package dev.hubbub.server.ablyjs;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One of the ably-js scripts in {@code src/test/js} (they share {@code harness.js}), run by node once
 * per wire format: each run prints one JSON line of observed facts per scenario and a final
 * {@code {"done": ...}} line, which are kept by format for the test's assertions. A script that
 * asks the test to act prints control lines, {@code {"control": op, "id": n, ...}}: each is handed
 * to the run's control function and its answer written back, one line, on the script's stdin.
 */
public final class AblyJsScript {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path jsDir;
    private final Path script;
    private final long timeoutSeconds;
    private final List<Run> runs = new ArrayList<>();
    /** format -> scenario -> the line the script printed for it ({@code <done>}: its last line) */
    private final Map<String, Map<String, JsonNode>> results = new HashMap<>();
    /** format -> what the node process printed, for failure messages */
    private final Map<String, String> transcripts = new HashMap<>();

    /**
     * The script {@code name} in src/test/js, whose node processes are killed if they outlive
     * {@code timeoutSeconds}; fails unless the script is there and ably-js is installed next to it.
     */
    public AblyJsScript(String name, long timeoutSeconds) {
        jsDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "src", "test", "js");
        script = jsDir.resolve(name);
        this.timeoutSeconds = timeoutSeconds;
        assertTrue(Files.isRegularFile(script), "missing " + script);
        assertTrue(Files.isDirectory(jsDir.resolve("node_modules").resolve("ably")),
                "ably-js is not installed in " + jsDir + ": the build runs `npm ci` there in generate-test-resources"
                        + " (run `mvn test`, or `npm ci` in that directory)");
    }

    /**
     * Starts node on the script in one format (runs of several formats go side by side).
     *
     * @param args the script's arguments, {@code --format} left out
     * @param control answers a control line, or null when the script prints none (its stdin is closed)
     */
    public void start(String format, List<String> args, Function<JsonNode, ObjectNode> control) throws IOException {
        start(format, args, control, Map.of());
    }

    /** As {@link #start(String, List, Function)}, with {@code env} added to node's environment (e.g. NODE_EXTRA_CA_CERTS). */
    public void start(String format, List<String> args, Function<JsonNode, ObjectNode> control, Map<String, String> env)
            throws IOException {
        runs.add(new Run(format, args, control, env));
    }

    /** The wire formats a script runs in, side by side, each in its own node process. */
    public static final List<String> FORMATS = List.of("msgpack", "json");

    /** A single node on a free loopback port with one key, {@code name:secret}, allowed everything. */
    public static BrokerConfig oneKeyBroker(String fullKey) {
        int colon = fullKey.indexOf(':');
        return new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey(fullKey.substring(0, colon), fullKey.substring(colon + 1),
                Capability.ALL)), Limits.defaults(), 8L * 1024 * 1024, 2);
    }

    /**
     * Starts a broker on {@code config} and runs this script against it in every format (arguments
     * {@code --port P --key fullKey} and {@code extraArgs}), waiting for the runs to end.
     *
     * @return the broker, for the test to close
     */
    public BrokerApp runAgainst(BrokerConfig config, String fullKey, List<String> extraArgs) throws Exception {
        BrokerApp app = new BrokerApp(config);
        try {
            int port = app.start().getPort();
            for (String format : FORMATS) {
                List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--key", fullKey));
                args.addAll(extraArgs);
                start(format, args, null);
            }
            finishAll();
            return app;
        } catch (Exception | AssertionError e) {
            app.close();
            throw e;
        }
    }

    /** Waits for every run started to end (killing any that outlive the timeout) and keeps what each printed. */
    public void finishAll() throws InterruptedException, IOException {
        for (Run run : runs) {
            run.finish();
            transcripts.put(run.format, run.transcript());
            results.put(run.format, run.results());
            run.deleteFiles();
        }
        runs.clear();
    }

    /** Fails unless the run in this format printed {@code {"done": true}}. */
    public void assertCompleted(String format) {
        JsonNode done = results.get(format).get("<done>");
        assertNotNull(done, "node never printed {\"done\":true}\n" + transcripts.get(format));
        assertTrue(done.path("done").asBoolean(), done + "\n" + transcripts.get(format));
    }

    /** The facts of a scenario that ran to its end; fails with everything the script said otherwise. */
    public JsonNode facts(String format, String scenario) {
        JsonNode result = results.get(format).get(scenario);
        if (result == null) {
            fail("ably-js printed no result for " + scenario + " (" + format + ")\n" + transcripts.get(format));
        }
        if (!result.path("ok").asBoolean()) {
            fail("ably-js scenario " + scenario + " (" + format + ") did not complete: " + result.path("error").asText()
                    + "\nfacts so far: " + result.path("facts") + "\n" + transcripts.get(format));
        }
        return result.get("facts");
    }

    /** field of every element; null where absent. */
    public static List<String> field(JsonNode array, String name) {
        assertNotNull(array, "missing array");
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            JsonNode v = n.get(name);
            out.add(v == null || v.isNull() ? null : v.asText());
        }
        return out;
    }

    /** Every element as text; null for JSON null. */
    public static List<String> texts(JsonNode array) {
        assertNotNull(array, "missing array");
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isNull() ? null : n.asText()));
        return out;
    }

    /**
     * One node process in one format: its stdout is read line by line, control lines are answered
     * on its stdin, the rest kept; its stderr goes to a file.
     */
    private final class Run {
        final String format;
        final Process process;
        final Function<JsonNode, ObjectNode> control;
        final Path stderr;
        final Thread reader;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final long startedNanos = System.nanoTime();
        boolean timedOut;
        long millis;

        Run(String format, List<String> args, Function<JsonNode, ObjectNode> control, Map<String, String> env) throws IOException {
            String base = script.getFileName().toString().replaceFirst("\\.js$", "");
            this.format = format;
            this.control = control;
            this.stderr = Files.createTempFile(base + "-" + format + "-", ".err");
            List<String> command = new ArrayList<>(List.of(System.getProperty("hubbub.node", "node"), script.toString(),
                    "--format", format));
            command.addAll(args);
            ProcessBuilder builder = new ProcessBuilder(command).directory(jsDir.toFile()).redirectError(stderr.toFile());
            builder.environment().putAll(env);
            this.process = builder.start();
            if (control == null) {
                process.getOutputStream().close();
            }
            this.reader = new Thread(this::readAndServe, base + "-" + format);
            this.reader.setDaemon(true);
            this.reader.start();
        }

        private void readAndServe() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 Writer out = control == null ? Writer.nullWriter()
                         : new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode node = control == null ? null : parse(line);
                    if (node != null && node.has("control")) {
                        out.write(JSON.writeValueAsString(control.apply(node)) + "\n");
                        out.flush();
                    } else {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                lines.add("[reader] " + e);
            }
        }

        void finish() throws InterruptedException {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                timedOut = true;
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
            millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        }

        /** scenario -> its line, and {@code <done>} -> the final line. */
        Map<String, JsonNode> results() {
            Map<String, JsonNode> byScenario = new HashMap<>();
            for (String line : lines) {
                JsonNode node = parse(line);
                if (node != null && node.has("scenario")) {
                    byScenario.put(node.get("scenario").asText(), node);
                } else if (node != null && node.has("done")) {
                    byScenario.put("<done>", node);
                }
            }
            return byScenario;
        }

        String transcript() throws IOException {
            String err = Files.readString(stderr, StandardCharsets.UTF_8);
            if (err.length() > 20_000) {
                err = err.substring(0, 20_000) + "\n[... truncated]";
            }
            return "--- node (" + format + ") " + (timedOut ? "KILLED after " + timeoutSeconds + " s" : "exit "
                    + process.exitValue()) + " in " + millis + " ms\n--- stdout:\n" + String.join("\n", lines)
                    + "\n--- stderr:\n" + err;
        }

        void deleteFiles() throws IOException { Files.deleteIfExists(stderr); }
    }

    /** The line as JSON; null when it is blank or not JSON (not ours: the transcript shows it). */
    private static JsonNode parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }
}
