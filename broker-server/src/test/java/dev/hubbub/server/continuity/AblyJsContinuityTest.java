package dev.hubbub.server.continuity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.testkit.DroppingProxy;
import dev.hubbub.testkit.DroppingProxy.BrokerSide;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Continuity with the real, unmodified ably-js (npm {@code ably}, as for AblyJsEndToEndTest), in both
 * wire formats: resume across a cut (the broker's side reset or left open), recover from a new
 * instance, rewind, history, idempotent REST publishing.
 *
 * <p>Each format gets its own broker (hand-driven clock and presence timers), {@link DroppingProxy}
 * and node process running {@code src/test/js/ablyjs-continuity.js}. The script asks this test to
 * act on the proxy and the clock with control lines on its stdout and reads the answers on its
 * stdin, so every step waits for an event, never for time; it prints one line of observed facts per
 * scenario, and the assertions are here.
 */
class AblyJsContinuityTest {
    private static final String[] FORMATS = {"msgpack", "json"};
    private static final long NODE_TIMEOUT_SECONDS = 170;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** format -> scenario -> the line the script printed for it */
    private static final Map<String, Map<String, JsonNode>> results = new HashMap<>();
    private static final Map<String, String> transcripts = new HashMap<>();
    private static final List<ContinuityBroker> brokers = new ArrayList<>();

    @BeforeAll
    static void runAblyJs() throws Exception {
        Path jsDir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "src", "test", "js");
        Path script = jsDir.resolve("ablyjs-continuity.js");
        assertTrue(Files.isRegularFile(script), "missing " + script);
        assertTrue(Files.isDirectory(jsDir.resolve("node_modules").resolve("ably")),
                "ably-js is not installed in " + jsDir + ": the build runs `npm ci` there in generate-test-resources");
        List<NodeRun> runs = new ArrayList<>();
        for (String format : FORMATS) {
            ContinuityBroker broker = new ContinuityBroker();
            brokers.add(broker);
            runs.add(NodeRun.start(jsDir, script, broker, format));
        }
        for (NodeRun run : runs) {
            run.finish();
            transcripts.put(run.format, run.transcript());
            results.put(run.format, run.results());
            run.deleteFiles();
        }
    }

    @AfterAll
    static void stopBrokers() {
        brokers.forEach(ContinuityBroker::close);
    }

    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void nodeRunCompleted(String format) {
        JsonNode done = results.get(format).get("<done>");
        assertNotNull(done, "node never printed {\"done\":true}\n" + transcripts.get(format));
        assertTrue(done.path("done").asBoolean(), done + "\n" + transcripts.get(format));
    }

    /** The broker's side reset at the cut: same connection, every missed message once and in order, resumed, no presence change. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void resumeWhenTheBrokerSawTheDrop(String format) {
        assertResumed(facts(format, "resumeBrokerSideClosed"));
    }

    /** The broker's side left open (a network that vanished): the resume supersedes the old transport, which the broker closes. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void resumeWhileTheOldTransportIsStillOpen(String format) {
        JsonNode f = facts(format, "resumeBrokerSideLeftOpen");
        assertResumed(f);
        assertEquals(1, f.get("superseded").asInt(), "the old transport was superseded: " + f);
        assertEquals(1, f.at("/stats/abandonedEndedByBroker").asInt(), "the broker closed the old transport: " + f);
    }

    private static void assertResumed(JsonNode f) {
        assertEquals(1, f.get("cut").asInt(), f.toString());
        assertEquals(f.get("idBefore").asText(), f.get("idAfter").asText(), "the same connection: " + f);
        assertEquals(List.of("before", "missed-1", "missed-2", "missed-3", "missed-4", "missed-5", "after"),
                field(f.get("received"), "name"), "every message once, in order: " + f);
        JsonNode back = last(f.get("connectionChanges"), "connected");
        assertNotNull(back, "no change to connected: " + f);
        assertTrue(back.get("reason").isNull(), "a resume without error: " + back);
        JsonNode reattached = last(f.get("channelChanges"), "attached");
        assertNotNull(reattached, "no re-attach: " + f);
        assertTrue(reattached.get("resumed").asBoolean(), "the re-attach reports resumed=true: " + f.get("channelChanges"));
        for (JsonNode c : f.get("channelChanges")) {
            assertTrue(List.of("attaching", "attached").contains(c.get("current").asText()), "channel left attached: " + f);
        }
        List<String> aliceEvents = texts(f.get("aliceEvents"));
        assertEquals("enter", aliceEvents.get(0), f.toString());
        assertTrue(aliceEvents.stream().skip(1).noneMatch(a -> a.equals("enter") || a.equals("leave") || a.equals("absent")),
                "others saw alice leave or enter again: " + aliceEvents);
        assertEquals(List.of("alice", "marker"), texts(f.get("members")), f.toString());
    }

    /** RTN16: a new instance with createRecoveryKey() gets the connection, its attach the missed messages, msgSerial goes on. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void recoverFromANewInstance(String format) {
        JsonNode f = facts(format, "recoverNewInstance");
        String id = f.get("id").asText();
        assertEquals(1, f.at("/recoveryKey/msgSerial").asInt(), f.toString());
        assertTrue(f.at("/recoveryKey/channelSerials").size() == 1, f.toString());
        assertEquals(id, f.get("recoveredId").asText(), "the recovered connection: " + f);
        assertTrue(f.get("recoveredReason").isNull(), "recovered without error: " + f);
        assertEquals(List.of("missed-1", "missed-2", "missed-3", "from-recovered"), field(f.get("received"), "name"), f.toString());
        JsonNode attached = first(f.get("channelChanges"), "attached");
        assertTrue(attached != null && attached.get("resumed").asBoolean(), "the app's attach reports resumed=true: " + f);
        JsonNode fromRecovered = null;
        for (JsonNode m : f.get("seenByPublisher")) {
            if ("from-recovered".equals(m.path("name").asText())) {
                fromRecovered = m;
            }
        }
        assertNotNull(fromRecovered, f.toString());
        assertEquals(id + ":1:0", fromRecovered.get("id").asText(), "msgSerial goes on from the key: " + f);
    }

    /** RTL4k: params.rewind by count and by time (the broker's clock moved 60 s between old and new), echoed in channel.params. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void rewindByCountAndByTime(String format) {
        JsonNode f = facts(format, "rewind");
        assertEquals(List.of("new-1", "new-2", "new-3", "live"), texts(f.get("byCount")), f.toString());
        assertEquals(List.of("new-1", "new-2", "new-3", "live"), texts(f.get("bySeconds")), f.toString());
        assertEquals(List.of("old-1", "old-2", "new-1", "new-2", "new-3", "live"), texts(f.get("byMinutes")), f.toString());
        assertEquals(List.of("live"), texts(f.get("plain")), f.toString());
        assertEquals("3", f.at("/byCountParams/rewind").asText(null), "ATTACHED echoes the params: " + f);
    }

    /**
     * The qualifier form {@code [?rewind=2]name}: ably-js sends the whole string as the channel name
     * and routes frames by it, so the broker must answer and deliver under the qualified name.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void rewindByQualifier(String format) {
        JsonNode f = facts(format, "rewindQualifier");
        assertTrue(f.at("/attach/resolved").asBoolean(), "the qualified attach failed: " + f);
        assertEquals(List.of("q-2", "q-3", "live"), texts(f.get("received")), f.toString());
    }

    /** RTL10b untilAttach; REST paging both ways; another app sees nothing. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void history(String format) throws Exception {
        JsonNode f = facts(format, "history");
        assertEquals(List.of("before-3", "before-2", "before-1"), texts(f.get("untilAttach")), f.toString());
        assertEquals(List.of("after-2", "after-1", "before-3", "before-2", "before-1"), texts(f.get("all")), f.toString());
        assertEquals(JSON.readTree("[[\"after-2\",\"after-1\"],[\"before-3\",\"before-2\"],[\"before-1\"]]"),
                f.at("/backwards/pages"), f.toString());
        assertTrue(f.at("/backwards/lastIsLast").asBoolean(), f.toString());
        assertEquals(JSON.readTree("[[\"before-1\",\"before-2\"],[\"before-3\",\"after-1\"],[\"after-2\"]]"),
                f.at("/forwards/pages"), f.toString());
        assertEquals(List.of(), texts(f.get("otherApp")), "another app's channel of that name is empty: " + f);
    }

    /** RSL1k: a retried batch with the same ids is delivered and stored once; ably-js's own ids are base:index. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void restPublishRetriedWithTheSameIds(String format) {
        JsonNode f = facts(format, "restIdempotent");
        for (String step : List.of("first", "retry", "generated")) {
            assertTrue(f.at("/" + step + "/resolved").asBoolean(), step + " was refused: " + f);
        }
        assertEquals(List.of("a", "b", "gen-1", "gen-2", "marker"), field(f.get("received"), "name"), "delivered once: " + f);
        assertEquals(List.of("a", "b", "gen-1", "gen-2", "marker"), field(f.get("stored"), "name"), "stored once: " + f);
        List<String> ids = field(f.get("received"), "id");
        assertEquals("chosen-1", ids.get(0), f.toString());
        assertEquals("chosen-2", ids.get(1), f.toString());
        assertTrue(ids.get(2).matches("[A-Za-z0-9+/]{12}:0"), "ably-js's id " + ids.get(2));
        assertEquals(ids.get(2).replace(":0", ":1"), ids.get(3), f.toString());
        assertEquals(ids.subList(0, 4), field(f.get("stored"), "id").subList(0, 4), f.toString());
    }

    // ------------------------------------------------------------------------------------------

    private static JsonNode facts(String format, String scenario) {
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

    private static JsonNode last(JsonNode changes, String current) {
        JsonNode found = null;
        for (JsonNode c : changes) {
            if (current.equals(c.path("current").asText())) {
                found = c;
            }
        }
        return found;
    }

    private static JsonNode first(JsonNode changes, String current) {
        for (JsonNode c : changes) {
            if (current.equals(c.path("current").asText())) {
                return c;
            }
        }
        return null;
    }

    private static List<String> field(JsonNode array, String name) {
        assertNotNull(array, "missing array");
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) {
            JsonNode v = n.get(name);
            out.add(v == null || v.isNull() ? null : v.asText());
        }
        return out;
    }

    private static List<String> texts(JsonNode array) {
        assertNotNull(array, "missing array");
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.isNull() ? null : n.asText()));
        return out;
    }

    /**
     * One node process running every scenario in one format, with its broker and proxy: its stdout
     * is read line by line, control lines are carried out and answered on its stdin, the rest kept.
     */
    private static final class NodeRun {
        final String format;
        final Process process;
        final ContinuityBroker broker;
        final Path stderr;
        final Thread reader;
        final List<String> lines = new CopyOnWriteArrayList<>();
        final long startedNanos = System.nanoTime();
        boolean timedOut;
        long millis;

        private NodeRun(String format, Process process, ContinuityBroker broker, Path stderr) {
            this.format = format;
            this.process = process;
            this.broker = broker;
            this.stderr = stderr;
            this.reader = new Thread(this::readAndServe, "ablyjs-continuity-" + format);
            this.reader.setDaemon(true);
            this.reader.start();
        }

        static NodeRun start(Path jsDir, Path script, ContinuityBroker broker, String format) throws IOException {
            Path err = Files.createTempFile("ablyjs-continuity-" + format + "-", ".err");
            List<String> command = new ArrayList<>(List.of(System.getProperty("hubbub.node", "node"), script.toString(),
                    "--port", Integer.toString(broker.port), "--proxyPort", Integer.toString(broker.proxy.port()),
                    "--format", format, "--key", ContinuityBroker.KEY, "--otherKey", ContinuityBroker.OTHER_APP_KEY));
            String only = System.getProperty("hubbub.ablyjsOnly");
            if (only != null && !only.isBlank()) {
                command.addAll(List.of("--only", only));
            }
            Process process = new ProcessBuilder(command).directory(jsDir.toFile()).redirectError(err.toFile()).start();
            return new NodeRun(format, process, broker, err);
        }

        private void readAndServe() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                 Writer out = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)) {
                String line;
                while ((line = in.readLine()) != null) {
                    JsonNode node;
                    try {
                        node = JSON.readTree(line);
                    } catch (IOException e) {
                        lines.add(line);
                        continue;
                    }
                    if (node != null && node.has("control")) {
                        out.write(JSON.writeValueAsString(serve(node)) + "\n");
                        out.flush();
                    } else {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                lines.add("[reader] " + e);
            }
        }

        /** Carries out one control request; the answer line. */
        private ObjectNode serve(JsonNode request) {
            ObjectNode answer = JSON.createObjectNode();
            answer.put("id", request.path("id").asLong());
            try {
                DroppingProxy proxy = broker.proxy;
                switch (request.get("control").asText()) {
                    case "holdNew" -> proxy.holdNew();
                    case "refuseNew" -> proxy.refuseNew();
                    case "admitNew" -> proxy.admitNew();
                    case "cut" -> answer.put("value", proxy.cutAll(BrokerSide.valueOf(request.get("brokerSide").asText())));
                    case "stats" -> {
                        ObjectNode stats = answer.putObject("value");
                        stats.put("accepted", proxy.accepted());
                        stats.put("refused", proxy.refused());
                        stats.put("held", proxy.held());
                        stats.put("cut", proxy.cut());
                        stats.put("forwarding", proxy.forwarding());
                        stats.put("abandonedEndedByBroker", proxy.abandonedEndedByBroker());
                    }
                    case "advance" -> broker.time.advance(Duration.ofMillis(request.get("millis").asLong()));
                    case "disconnects" -> answer.put("value", broker.disconnects(request.get("reason").asText()));
                    default -> throw new IllegalArgumentException("unknown control " + request.get("control"));
                }
                answer.put("ok", true);
            } catch (RuntimeException e) {
                answer.put("ok", false);
                answer.put("error", e.toString());
            }
            return answer;
        }

        void finish() throws InterruptedException {
            if (!process.waitFor(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                timedOut = true;
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
            millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        }

        Map<String, JsonNode> results() {
            Map<String, JsonNode> byScenario = new HashMap<>();
            for (String line : lines) {
                try {
                    JsonNode node = JSON.readTree(line);
                    if (node != null && node.has("scenario")) {
                        byScenario.put(node.get("scenario").asText(), node);
                    } else if (node != null && node.has("done")) {
                        byScenario.put("<done>", node);
                    }
                } catch (IOException e) {
                    // not ours; the transcript shows it
                }
            }
            return byScenario;
        }

        String transcript() throws IOException {
            String err = Files.readString(stderr, StandardCharsets.UTF_8);
            if (err.length() > 20_000) {
                err = err.substring(0, 20_000) + "\n[... truncated]";
            }
            return "--- node (" + format + ") " + (timedOut ? "KILLED after " + NODE_TIMEOUT_SECONDS + " s" : "exit "
                    + process.exitValue()) + " in " + millis + " ms\n--- stdout:\n" + String.join("\n", lines)
                    + "\n--- stderr:\n" + err;
        }

        void deleteFiles() throws IOException { Files.deleteIfExists(stderr); }
    }
}
