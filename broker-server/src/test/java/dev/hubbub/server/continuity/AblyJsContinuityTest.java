package dev.hubbub.server.continuity;

import static dev.hubbub.server.ablyjs.AblyJsScript.field;
import static dev.hubbub.server.ablyjs.AblyJsScript.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.server.ablyjs.AblyJsScript;
import dev.hubbub.testkit.DroppingProxy;
import dev.hubbub.testkit.DroppingProxy.BrokerSide;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    private static final List<ContinuityBroker> brokers = new ArrayList<>();
    /** the script's runs, one per format, and what they printed */
    private static AblyJsScript node;

    @BeforeAll
    static void runAblyJs() throws Exception {
        node = new AblyJsScript("ablyjs-continuity.js", NODE_TIMEOUT_SECONDS);
        for (String format : FORMATS) {
            ContinuityBroker broker = new ContinuityBroker();
            brokers.add(broker);
            List<String> args = new ArrayList<>(List.of("--port", Integer.toString(broker.port),
                    "--proxyPort", Integer.toString(broker.proxy.port()),
                    "--key", ContinuityBroker.KEY, "--otherKey", ContinuityBroker.OTHER_APP_KEY));
            String only = System.getProperty("hubbub.ablyjsOnly");
            if (only != null && !only.isBlank()) {
                args.addAll(List.of("--only", only));
            }
            node.start(format, args, request -> serve(broker, request));
        }
        node.finishAll();
    }

    @AfterAll
    static void stopBrokers() {
        brokers.forEach(ContinuityBroker::close);
    }

    // ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void nodeRunCompleted(String format) {
        node.assertCompleted(format);
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

    private static JsonNode facts(String format, String scenario) { return node.facts(format, scenario); }

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

    /** Carries out one control request of the script on this format's broker and proxy; the answer line. */
    private static ObjectNode serve(ContinuityBroker broker, JsonNode request) {
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
}
