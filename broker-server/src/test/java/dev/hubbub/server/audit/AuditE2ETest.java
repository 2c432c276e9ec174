package dev.hubbub.server.audit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.AblyJavaClients;
import dev.hubbub.server.AblyJavaOps;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.RawWebSocket;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.Message;
import io.ably.lib.types.PaginatedResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code [meta]identity} stream end to end with the real ably-java, in JSON and MessagePack: a
 * subscriber whose key grants the metachannel sees another connection's masquerade with its
 * fields (the masquerader is a raw WebSocket client: ably-java never sends a clientId not its own), reads it back from history, and sees a revokeTokens request of its app; a subscriber of
 * another app sees none of it.
 */
class AuditE2ETest {
    private static final Duration TIMEOUT = AblyJavaOps.TIMEOUT;
    private static final String AUDIT = "[meta]identity";
    private static final String KEY = "appW.k1:secret-appW-k1";
    private static final String WATCH = "appW.watch:secret-appW-watch";
    private static final String OTHER_WATCH = "appO.watch:secret-appO-watch";
    private static BrokerApp app;
    private static int port;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Capability watch = Capability.parse("{\"[meta]identity\":[\"subscribe\",\"history\"]}").value();
        app = new BrokerApp(new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey("appW.k1", "secret-appW-k1", Capability.ALL),
                new ApiKey("appW.watch", "secret-appW-watch", watch), new ApiKey("appO.watch", "secret-appO-watch", watch)),
                Limits.defaults(), 8L * 1024 * 1024, 2));
        port = app.start().getPort();
    }

    @AfterAll
    static void stop() { app.close(); }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
    }

    private static ClientOptions options(String key, String clientId, boolean binary) throws AblyException {
        ClientOptions o = AblyJavaClients.options(port, binary);
        o.key = key;
        o.clientId = clientId;
        return o;
    }

    private AblyRealtime connected(String key, String clientId, boolean binary) throws AblyException {
        AblyRealtime r = new AblyRealtime(options(key, clientId, binary));
        clients.add(r::close);
        await().atMost(TIMEOUT).until(() -> r.connection.state == ConnectionState.connected);
        return r;
    }

    private List<Message> watch(String key, boolean binary) throws AblyException {
        List<Message> received = new CopyOnWriteArrayList<>();
        Channel channel = connected(key, null, binary).channels.get(AUDIT);
        channel.subscribe(received::add);
        await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached);
        return received;
    }

    private static JsonObject data(Message m) {
        assertTrue(m.data instanceof JsonObject, () -> "data is a JSON object: " + m.data);
        return (JsonObject) m.data;
    }

    private static Message find(List<Message> messages, String name, String claimed) {
        return messages.stream().filter(m -> name.equals(m.name) && m.data instanceof JsonObject o
                && o.has("claimedClientId") && claimed.equals(o.get("claimedClientId").getAsString())).findFirst().orElse(null);
    }

    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void aSubscriberSeesAMasqueradeWithItsFieldsAndHistoryKeepsIt(boolean binary) throws Exception {
        List<Message> audit = watch(WATCH, binary);
        List<Message> other = watch(OTHER_WATCH, binary);
        // ably-java refuses such a publish itself, before it is sent: the masquerader writes its own frames
        String mallory = "mallory-" + binary;
        RawWebSocket alice = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?key=" + KEY.replace(":", "%3A")
                + "&clientId=alice&format=json&v=6"));
        clients.add(alice);
        String aliceId = alice.awaitAction(4).path("connectionId").asText();
        alice.send("{\"action\":15,\"channel\":\"room\",\"msgSerial\":0,\"messages\":[{\"name\":\"n\",\"clientId\":\""
                + mallory + "\"}]}");
        assertEquals(40012, alice.awaitAction(2).at("/error/code").asInt(), "the masquerade is refused");

        await().atMost(TIMEOUT).until(() -> find(audit, "masquerade", mallory) != null);
        Message m = find(audit, "masquerade", mallory);
        JsonObject d = data(m);
        assertEquals(40012, d.get("code").getAsInt());
        assertEquals(aliceId, d.get("connectionId").getAsString());
        assertEquals("appW.k1", d.get("keyName").getAsString());
        assertEquals("alice", d.get("clientId").getAsString());
        assertEquals("room", d.get("channel").getAsString());
        assertTrue(d.get("remoteAddress").getAsString().contains("127.0.0.1"), d.toString());
        assertTrue(d.get("time").getAsLong() > 0);
        assertTrue(m.clientId == null, "written by the broker, as nobody");

        AblyRest rest = new AblyRest(options(WATCH, null, binary));
        PaginatedResult<Message> page = rest.channels.get(AUDIT).history(null);
        Message kept = find(Arrays.asList(page.items()), "masquerade", mallory);
        assertNotNull(kept, () -> "history: " + Arrays.toString(page.items()));
        assertEquals(d, data(kept));

        assertTrue(other.isEmpty(), () -> "another app's watcher saw: " + other);
    }

    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void aRevocationRequestIsTold(boolean binary) throws Exception {
        List<Message> audit = watch(WATCH, binary);
        HttpResponse<String> revoked = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/keys/appW.k1/revokeTokens")).timeout(TIMEOUT)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(KEY.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"targets\":[\"clientId:bob-" + binary + "\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, revoked.statusCode(), revoked.body());
        await().atMost(TIMEOUT).until(() -> audit.stream().anyMatch(m -> "tokens-revoked".equals(m.name)));
        JsonObject d = data(audit.stream().filter(m -> "tokens-revoked".equals(m.name)).findFirst().orElseThrow());
        assertEquals("appW.k1", d.get("keyName").getAsString());
        assertEquals(1, d.get("count").getAsInt());
        assertEquals("clientId", d.get("detail").getAsString());
        assertTrue(!d.toString().contains("bob-"), "the targets' values are the app's, not the stream's: " + d);
    }
}
