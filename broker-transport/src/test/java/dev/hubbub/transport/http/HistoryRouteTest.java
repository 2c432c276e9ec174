package dev.hubbub.transport.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.history.InMemoryMessageLog;
import dev.hubbub.core.history.Retention;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.TestCore;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * GET /channels/{ch}/messages and /history through the RestHandler, against a real in-memory log
 * written directly and a hand-driven clock. Paging is followed the way each SDK reads Link headers.
 */
class HistoryRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());
    private static final String ALL = "app1.all:s1";
    private static final String HISTORY_ONLY = "app1.hist:s2";
    private static final String NO_HISTORY = "app1.sub:s3";
    private static final String OTHER_APP = "app2.all:s4";

    // ably-js (paginatedresource.ts): the joined header is split on ',' and each entry and target matched so
    private static final Pattern JS_ENTRY = Pattern.compile("^\\s*<(.+)>;\\s*rel=\"(\\w+)\"$");
    private static final Pattern JS_TARGET = Pattern.compile("^\\./(\\w+)\\?(.*)$");
    // ably-java 1.2.54 (BasePaginatedQuery): every header line matched on its own, greedily
    private static final Pattern JAVA_ENTRY = Pattern.compile("\\s*<(.*)>;\\s*rel=\"(.*)\"");
    private static final Pattern JAVA_TARGET = Pattern.compile("\\./(.*)\\?(.*)");

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<ApiKey> keys = List.of(
            new ApiKey("app1.all", "s1", Capability.ALL),
            new ApiKey("app1.hist", "s2", Capability.parse("{\"*\":[\"history\"]}").value()),
            new ApiKey("app1.sub", "s3", Capability.parse("{\"*\":[\"subscribe\",\"publish\",\"presence\"]}").value()),
            new ApiKey("app2.all", "s4", Capability.ALL));
    private TokenAuthority tokens;
    private InMemoryMessageLog log;
    private RestHandler rest;
    private int published;

    @BeforeEach
    void setUp() {
        tokens = new TokenAuthority(new KeyStore(keys), clock);
        TestCore.Builder b = TestCore.builder().clock(clock).tokens(tokens);
        keys.forEach(b::key);
        TestCore core = b.build();
        log = new InMemoryMessageLog(clock, Retention.defaults(), key -> false);
        rest = new RestHandler(new RestAuth(core.authenticator), core.publishing, clock);
        rest.with(new HistoryRoute(rest.auth(), log));
    }

    /** Appends {@code n} text messages, 10 ms apart on the clock; returns them as stored (with serials). */
    private List<Message> publish(String app, String channel, int n) {
        List<Message> stored = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            clock.advance(Duration.ofMillis(10));
            int seq = published++;
            stored.addAll(log.append(new ChannelKey(app, channel), List.of(new Message("conn1:" + seq + ":0", "alice", "conn1",
                    null, "m" + seq, "data-" + seq, null, null, clock.millis(), 0, null))));
        }
        return stored;
    }

    private FullHttpResponse get(String uri, String authorization, String accept) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (authorization != null) {
            req.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        if (accept != null) {
            req.headers().set(HttpHeaderNames.ACCEPT, accept);
        }
        return rest.handle(req).toCompletableFuture().join();
    }

    private static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String bearer(String token) {
        return "Bearer " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    }

    private FullHttpResponse get(String uri, String key) { return get(uri, basic(key), null); }

    private static JsonNode body(FullHttpResponse r) throws Exception {
        byte[] bytes = ByteBufUtil.getBytes(r.content());
        return r.headers().get(HttpHeaderNames.CONTENT_TYPE).equals("application/x-msgpack") ? MSGPACK.readTree(bytes)
                : JSON.readTree(bytes);
    }

    private static List<String> names(JsonNode items) {
        List<String> out = new ArrayList<>();
        items.forEach(m -> out.add(m.get("name").asText()));
        return out;
    }

    private static void assertError(FullHttpResponse r, int status, int code) throws Exception {
        assertEquals(status, r.status().code());
        assertEquals(Integer.toString(code), r.headers().get("X-Ably-ErrorCode"));
        assertEquals(code, JSON.readTree(r.content().toString(StandardCharsets.UTF_8)).get("error").get("code").asInt());
    }

    /**
     * The Link relations as ably-js reads them (the header lines joined with ", " as Node does, split
     * on ',', matched by its regexes), checked against ably-java's reading of the separate lines:
     * rel → (resource, decoded params).
     */
    private static Map<String, Map.Entry<String, Map<String, String>>> links(FullHttpResponse r) {
        List<String> lines = r.headers().getAll("Link");
        Map<String, Map.Entry<String, Map<String, String>>> js = new LinkedHashMap<>();
        for (String entry : String.join(", ", lines).split(",")) {
            Matcher m = JS_ENTRY.matcher(entry);
            assertTrue(m.matches(), () -> "ably-js cannot read link entry '" + entry + "' of " + lines);
            Matcher target = JS_TARGET.matcher(m.group(1));
            assertTrue(target.matches() && !target.group(2).isEmpty(), () -> "ably-js drops link target " + m.group(1));
            Map<String, String> params = new LinkedHashMap<>();
            for (String pair : target.group(2).split("&")) {
                int eq = pair.indexOf('=');
                params.put(decodeUriComponent(pair.substring(0, eq)), decodeUriComponent(pair.substring(eq + 1)));
            }
            js.put(m.group(2), Map.entry(target.group(1), params));
        }
        for (String line : lines) {
            Matcher m = JAVA_ENTRY.matcher(line);
            assertTrue(m.matches(), () -> "ably-java cannot read link line '" + line + "'");
            Matcher target = JAVA_TARGET.matcher(m.group(1));
            assertTrue(target.matches(), () -> "ably-java refuses link target " + m.group(1));
            Map<String, String> params = new LinkedHashMap<>();
            for (String pair : target.group(2).split("&")) {
                String[] split = pair.split("=");
                assertEquals(2, split.length, () -> "ably-java splits '" + pair + "' on '=' and reads the second part");
                params.put(split[0], URLDecoder.decode(split[1], StandardCharsets.UTF_8));
            }
            assertEquals(js.get(m.group(2)), Map.entry(target.group(1), params), "both SDKs read rel " + m.group(2) + " alike");
        }
        assertEquals(lines.size(), js.size(), "one header line per relation");
        return js;
    }

    private static String decodeUriComponent(String s) { return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8); }

    /** What an SDK requests for a relation: its own path, the link's params re-encoded. */
    private static String follow(String path, Map<String, String> params) {
        StringBuilder b = new StringBuilder(path).append('?');
        params.forEach((k, v) -> b.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&'));
        return b.substring(0, b.length() - 1);
    }

    /** Every page from the first request to the one without rel="next": each page's items, in order. */
    private List<JsonNode> pageThrough(String path, String query, String accept) throws Exception {
        String resource = path.substring(path.lastIndexOf('/') + 1);
        List<JsonNode> pages = new ArrayList<>();
        String uri = path + query;
        for (int guard = 0; guard < 50; guard++) {
            FullHttpResponse r = get(uri, basic(ALL), accept);
            assertEquals(200, r.status().code(), uri);
            pages.add(body(r));
            var links = links(r);
            links.values().forEach(l -> assertEquals(resource, l.getKey(), "links name the requested path"));
            assertTrue(links.containsKey("first") && links.containsKey("current"));
            if (!links.containsKey("next")) {
                return pages;
            }
            uri = follow(path, links.get("next").getValue());
        }
        return fail("paging never ended");
    }

    @Test
    void answersJsonNewestFirstWithEveryMessageField() throws Exception {
        ChannelKey key = new ChannelKey("app1", "a/b:c");
        log.append(key, List.of(new Message("conn1:0:0", "alice", "conn1", "conn1-secret-key", "bin", new byte[] {1, 2, 3}, null,
                JSON.readTree("{\"headers\":{\"k\":\"v\"}}"), 1000L, 0, null)));
        List<Message> stored = log.append(key, List.of(new Message("conn2:0:0", null, "conn2", null, null, "{\"a\":1}", "json",
                null, 2000L, 0, null)));
        FullHttpResponse r = get("/channels/a%2Fb%3Ac/messages", basic(ALL), "application/json");
        assertEquals(200, r.status().code());
        assertEquals("application/json", r.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode items = body(r);
        assertEquals(2, items.size());
        JsonNode newest = items.get(0);
        assertEquals("conn2:0:0", newest.get("id").asText());
        assertEquals("{\"a\":1}", newest.get("data").asText());
        assertEquals("json", newest.get("encoding").asText());
        assertEquals(stored.get(0).serial(), newest.get("serial").asText());
        assertTrue(newest.path("name").isMissingNode() && newest.path("clientId").isMissingNode(), "nulls are left out");
        JsonNode bin = items.get(1);
        assertEquals("bin", bin.get("name").asText());
        assertEquals("AQID", bin.get("data").asText());
        assertEquals("base64", bin.get("encoding").asText());
        assertEquals("alice", bin.get("clientId").asText());
        assertEquals("conn1", bin.get("connectionId").asText());
        assertEquals("v", bin.get("extras").get("headers").get("k").asText());
        assertEquals(1000L, bin.get("timestamp").asLong());
        assertTrue(bin.get("timestamp").isIntegralNumber() && bin.get("action").isIntegralNumber());
        assertEquals(0, bin.get("action").asInt());
        assertTrue(bin.get("serial").asText().compareTo(newest.get("serial").asText()) < 0);
        assertTrue(bin.path("connectionKey").isMissingNode(), "a publisher's connectionKey is never shown");
        var links = links(r);
        assertEquals(Set.of("first", "current"), links.keySet());
        assertEquals(Map.of("limit", "100", "direction", "backwards"), links.get("first").getValue());
    }

    @Test
    void answersMsgpackWithBinaryAsBin() throws Exception {
        ChannelKey key = new ChannelKey("app1", "room");
        log.append(key, List.of(new Message("c:0:0", null, "c", null, "raw", new byte[] {1, 2, 3}, null, null, 1000L, 0, null),
                new Message("c:0:1", null, "c", null, "b64", "BAUG", "base64", null, 1001L, 0, null),
                new Message("c:0:2", null, "c", null, "txt", "hi", "utf-8", null, 1002L, 0, null)));
        FullHttpResponse r = get("/channels/room/history?direction=forwards", basic(ALL), "application/x-msgpack");
        assertEquals("application/x-msgpack", r.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode items = body(r);
        assertEquals(List.of("raw", "b64", "txt"), names(items));
        assertArrayEquals(new byte[] {1, 2, 3}, items.get(0).get("data").binaryValue());
        assertTrue(items.get(0).path("encoding").isMissingNode());
        assertArrayEquals(new byte[] {4, 5, 6}, items.get(1).get("data").binaryValue(), "base64 text goes out as bin");
        assertTrue(items.get(1).path("encoding").isMissingNode());
        assertEquals("utf-8", items.get(2).get("encoding").asText());
        assertTrue(items.get(2).get("timestamp").isIntegralNumber() && items.get(2).get("action").isIntegralNumber());
        assertEquals("history", links(r).get("current").getKey());
    }

    @Test
    void emptyHistoryIsAnEmptyArrayWithLinksNot204() throws Exception {
        for (String accept : List.of("application/json", "application/x-msgpack")) {
            FullHttpResponse r = get("/channels/nothing-here/messages", basic(ALL), accept);
            assertEquals(200, r.status().code(), accept);
            JsonNode items = body(r);
            assertTrue(items.isArray() && items.isEmpty(), accept);
            assertEquals(Set.of("first", "current"), links(r).keySet(), "ably-js needs a Link header for hasNext()");
        }
    }

    @ParameterizedTest
    @CsvSource({"messages,backwards,application/json", "messages,forwards,application/x-msgpack",
            "history,backwards,application/x-msgpack", "history,forwards,application/json"})
    void pagesThrough250MessagesByTheLinkHeaderWithoutGapsOrDuplicates(String resource, String direction, String accept)
            throws Exception {
        List<Message> stored = publish("app1", "busy", 250);
        publish("app1", "other", 5);
        List<JsonNode> pages = pageThrough("/channels/busy/" + resource, "?limit=100&direction=" + direction, accept);
        assertEquals(List.of(100, 100, 50), pages.stream().map(JsonNode::size).toList());
        List<String> ids = new ArrayList<>();
        pages.forEach(p -> p.forEach(m -> ids.add(m.get("id").asText())));
        List<String> expected = new ArrayList<>(stored.stream().map(Message::id).toList());
        if (direction.equals("backwards")) {
            java.util.Collections.reverse(expected);
        }
        assertEquals(expected, ids, "every message once, in the requested order");
        assertEquals(250, new HashSet<>(ids).size());
    }

    @Test
    void nextCarriesTheWholeQueryAndFirstStartsOver() throws Exception {
        List<Message> stored = publish("app1", "room", 10);
        String until = stored.get(7).serial();
        String query = "?limit=3&direction=forwards&start=" + stored.get(1).timestamp() + "&end=" + stored.get(8).timestamp()
                + "&fromSerial=" + URLEncoder.encode(until, StandardCharsets.UTF_8);
        FullHttpResponse r = get("/channels/room/messages" + query, ALL);
        assertEquals(List.of("m1", "m2", "m3"), names(body(r)));
        var links = links(r);
        Map<String, String> next = links.get("next").getValue();
        assertEquals("3", next.get("limit"));
        assertEquals("forwards", next.get("direction"));
        assertEquals(String.valueOf(stored.get(1).timestamp()), next.get("start"));
        assertEquals(String.valueOf(stored.get(8).timestamp()), next.get("end"));
        assertEquals(until, next.get("from_serial"));
        assertNotNull(next.get(HistoryRoute.CURSOR));
        assertFalse(links.get("first").getValue().containsKey(HistoryRoute.CURSOR));
        for (String raw : r.headers().getAll("Link")) {
            String q = raw.substring(raw.indexOf('?') + 1, raw.indexOf('>'));
            assertFalse(q.contains(",") || q.contains(":"), "values are percent-encoded: " + raw);
        }
        FullHttpResponse second = get(follow("/channels/room/messages", next), ALL);
        assertEquals(List.of("m4", "m5", "m6"), names(body(second)));
        FullHttpResponse third = get(follow("/channels/room/messages", links(second).get("next").getValue()), ALL);
        assertEquals(List.of("m7"), names(body(third)), "the window and the attach point hold on every page");
        assertFalse(links(third).containsKey("next"));
        FullHttpResponse first = get(follow("/channels/room/messages", links(third).get("first").getValue()), ALL);
        assertEquals(List.of("m1", "m2", "m3"), names(body(first)));
        FullHttpResponse current = get(follow("/channels/room/messages", links(second).get("current").getValue()), ALL);
        assertEquals(List.of("m4", "m5", "m6"), names(body(current)));
    }

    @Test
    void limitSizesThePage() throws Exception {
        publish("app1", "room", 250);
        FullHttpResponse one = get("/channels/room/messages?limit=1", ALL);
        assertEquals(List.of("m249"), names(body(one)));
        assertTrue(links(one).containsKey("next"));
        assertEquals(100, body(get("/channels/room/messages", ALL)).size(), "default 100");
        FullHttpResponse all = get("/channels/room/messages?limit=1000", ALL);
        assertEquals(250, body(all).size());
        assertFalse(links(all).containsKey("next"), "no next when nothing is left");
        FullHttpResponse exact = get("/channels/room/messages?limit=250", ALL);
        assertEquals(250, body(exact).size());
        assertFalse(links(exact).containsKey("next"), "no next when the page ends exactly at the last message");
    }

    @Test
    void startAndEndBoundTheWindowInclusively() throws Exception {
        List<Message> stored = publish("app1", "room", 10);
        long t2 = stored.get(2).timestamp();
        long t5 = stored.get(5).timestamp();
        assertEquals(List.of("m5", "m4", "m3", "m2"), names(body(get("/channels/room/messages?start=" + t2 + "&end=" + t5, ALL))));
        assertEquals(List.of("m2", "m1", "m0"), names(body(get("/channels/room/messages?end=" + t2, ALL))));
        assertEquals(List.of("m8", "m9"), names(body(get("/channels/room/messages?direction=forwards&start="
                + stored.get(8).timestamp(), ALL))));
        assertEquals(List.of("m5"), names(body(get("/channels/room/messages?start=" + t5 + "&end=" + t5, ALL))));
        assertEquals(0, body(get("/channels/room/messages?start=" + (stored.get(9).timestamp() + 1), ALL)).size());
    }

    @Test
    void fromSerialAndFromSerialStopAtTheAttachPoint() throws Exception {
        List<Message> before = publish("app1", "room", 5);
        String attachSerial = before.get(4).serial();
        publish("app1", "room", 3);
        String encoded = URLEncoder.encode(attachSerial, StandardCharsets.UTF_8);
        List<String> expected = List.of("m4", "m3", "m2", "m1", "m0");
        assertEquals(expected, names(body(get("/channels/room/messages?from_serial=" + encoded, ALL))), "ably-js");
        assertEquals(expected, names(body(get("/channels/room/history?fromSerial=" + encoded, ALL))), "ably-java");
        assertEquals(expected, names(body(get("/channels/room/messages?from_serial=" + encoded + "&fromSerial=" + encoded, ALL))));
        assertEquals(8, body(get("/channels/room/messages", ALL)).size());
        // a serial of another log (another epoch: a restarted broker) comes before everything this log has
        FullHttpResponse foreign = get("/channels/room/messages?from_serial=x%2Cy%3A0000000000005", ALL);
        assertEquals(0, body(foreign).size());
        assertEquals("x,y:0000000000005", links(foreign).get("current").getValue().get("from_serial"),
                "a comma in a value is encoded, so ably-js's split keeps it");
    }

    @Test
    void theHistoryCapabilityIsRequired() throws Exception {
        publish("app1", "room", 2);
        assertEquals(2, body(get("/channels/room/messages", HISTORY_ONLY)).size());
        assertError(get("/channels/room/messages", NO_HISTORY), 401, 40160);
        assertError(get("/channels/room/history", NO_HISTORY), 401, 40160);
        String narrow = tokens.issue(keys.get(0), TokenParams.DEFAULTS.withCapability("{\"room\":[\"subscribe\"]}")).value().token();
        assertError(get("/channels/room/messages", bearer(narrow), null), 401, 40160);
        String scoped = tokens.issue(keys.get(0), TokenParams.DEFAULTS.withCapability("{\"room\":[\"history\"]}")).value().token();
        assertEquals(2, body(get("/channels/room/messages", bearer(scoped), null)).size());
        assertError(get("/channels/elsewhere/messages", bearer(scoped), null), 401, 40160);
    }

    @Test
    void appsAreIsolated() throws Exception {
        publish("app1", "room", 3);
        publish("app2", "room", 1);
        assertEquals(List.of("m3"), names(body(get("/channels/room/messages", OTHER_APP))));
        assertEquals(List.of("m2", "m1", "m0"), names(body(get("/channels/room/messages", ALL))));
        assertEquals(0, body(get("/channels/empty/messages", OTHER_APP)).size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"limit=0", "limit=1001", "limit=ten", "direction=sideways", "start=yesterday", "end=-1",
            "start=20&end=10", "from_serial=nonsense", "fromSerial=", "from_serial=e%3A01&fromSerial=e%3A02",
            "cursor=garbage", "cursor="})
    void badParametersAre40003(String query) throws Exception {
        publish("app1", "room", 1);
        FullHttpResponse r = get("/channels/room/messages?" + query, ALL);
        assertError(r, 400, 40003);
        String param = query.substring(0, query.indexOf('='));
        String message = JSON.readTree(r.content().toString(StandardCharsets.UTF_8)).get("error").get("message").asText();
        assertTrue(message.contains(param), message);
    }

    @Test
    void authenticationIsRequired() throws Exception {
        publish("app1", "room", 1);
        assertError(get("/channels/room/messages", null, null), 401, 40101);
        assertError(get("/channels/room/messages", basic("app1.all:wrong"), null), 401, 40101);
        String token = tokens.issue(keys.get(0), TokenParams.DEFAULTS.withTtl(60_000L)).value().token();
        assertEquals(1, body(get("/channels/room/history", bearer(token), null)).size());
        clock.advance(Duration.ofMinutes(2));
        FullHttpResponse expired = get("/channels/room/history", bearer(token), null);
        assertError(expired, 401, 40142);
        assertTrue(expired.headers().get(HttpHeaderNames.WWW_AUTHENTICATE).startsWith("x-ably-token"));
    }

    @Test
    void onlyGetOnTheTwoPathsIsHistory() throws Exception {
        publish("app1", "room", 1);
        FullHttpRequest post = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/channels/room/history");
        post.headers().set(HttpHeaderNames.AUTHORIZATION, basic(ALL));
        assertError(rest.handle(post).toCompletableFuture().join(), 404, 40400);
        assertError(get("/channels/room/messages/extra", ALL), 404, 40400);
        assertError(get("/channels/room/presence/history", ALL), 404, 40400);
        assertError(get("/channels/%5Bmeta%5Dlog/messages", ALL), 400, 40010);
    }
}
