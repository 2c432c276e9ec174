package dev.hubbub.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.auth.TokenJson;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenRequest;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.RawWebSocket;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token authentication on the wire, with a raw WebSocket and raw HTTP: the identity table row by
 * row, token errors at connect, the requestToken rejections, and in-band AUTH. These are the
 * cases an SDK would refuse locally, so only a raw client reaches the broker's checks.
 */
class RawTokenWebSocketTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int ACK = 1, NACK = 2, CONNECTED = 4, DISCONNECTED = 6, ERROR = 9, ATTACH = 10, ATTACHED = 11,
            MESSAGE = 15;

    private static TokenBroker broker;
    private final List<RawWebSocket> probes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception { broker = new TokenBroker(); }

    @AfterAll
    static void stop() { broker.close(); }

    @AfterEach
    void closeProbes() { probes.forEach(RawWebSocket::close); }

    private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }

    private RawWebSocket open(String query) {
        RawWebSocket p = RawWebSocket.open(broker.realtime("format=json&v=2&heartbeats=true&" + query), RawWebSocket.JSON_TEXT_ONLY);
        probes.add(p);
        return p;
    }

    private RawWebSocket withToken(String token, String clientId) {
        return open("accessToken=" + enc(token) + (clientId == null ? "" : "&clientId=" + enc(clientId)));
    }

    private static void assertError(int code, int status, JsonNode frame) {
        JsonNode error = frame.path("error");
        assertEquals(code, error.path("code").asInt(), frame::toString);
        assertEquals(status, error.path("statusCode").asInt(), frame::toString);
        assertFalse(error.path("message").asText().isEmpty(), frame::toString);
    }

    /** A refused connection: exactly one frame (ERROR or DISCONNECTED), then the socket closes. */
    private static JsonNode assertRefused(RawWebSocket p, int action, int code) {
        p.awaitClosed();
        List<JsonNode> frames = p.frames();
        assertEquals(1, frames.size(), frames::toString);
        assertEquals(action, frames.get(0).path("action").asInt(), frames::toString);
        assertError(code, 401, frames.get(0));
        return frames.get(0);
    }

    private static String attach(String channel) { return "{\"action\":10,\"channel\":\"" + channel + "\"}"; }

    private static String publish(String channel, long serial, String clientId, String data) {
        ObjectNode m = JSON.createObjectNode().put("name", "n").put("data", data);
        if (clientId != null) {
            m.put("clientId", clientId);
        }
        ObjectNode frame = JSON.createObjectNode().put("action", MESSAGE).put("channel", channel).put("msgSerial", serial);
        frame.putArray("messages").add(m);
        return frame.toString();
    }

    private static String auth(String token) {
        ObjectNode frame = JSON.createObjectNode().put("action", 17);
        frame.putObject("auth").put("accessToken", token);
        return frame.toString();
    }

    private static JsonNode awaitAttached(RawWebSocket p, String channel) {
        return p.await("ATTACHED " + channel, f -> f.path("action").asInt() == ATTACHED && channel.equals(f.path("channel").asText()));
    }

    private static List<JsonNode> messagesOn(RawWebSocket p, String channel) {
        return p.frames().stream()
                .filter(f -> f.path("action").asInt() == MESSAGE && channel.equals(f.path("channel").asText())).toList();
    }

    // ----- the identity table -----

    @Test
    void tokenForXWithClientIdParamXOrNoneIsIdentifiedAsX() {
        String token = broker.token("xavier");
        JsonNode without = withToken(token, null).awaitAction(CONNECTED);
        assertEquals("xavier", without.path("connectionDetails").path("clientId").asText(), without::toString);
        JsonNode same = withToken(token, "xavier").awaitAction(CONNECTED);
        assertEquals("xavier", same.path("connectionDetails").path("clientId").asText(), same::toString);
    }

    @Test
    void tokenForXWithClientIdParamYIsRefusedWith40102AndNothingIsAttached() {
        String channel = TokenBroker.channel("refused");
        RawWebSocket p = withToken(broker.token("xavier"), "yolanda");
        p.trySend(attach(channel)); // races the refusal: must be ignored either way
        assertRefused(p, ERROR, 40102);
        assertTrue(p.frames().stream().noneMatch(f -> f.path("action").asInt() == CONNECTED || f.path("action").asInt() == ATTACHED));
        assertNull(broker.app().router().find(new ChannelKey(TokenBroker.APP_ID, channel)), "nothing was attached");
    }

    @Test
    void anonymousTokenWithClientIdParamIsRefusedWith40102() {
        assertRefused(withToken(broker.token(null), "yolanda"), ERROR, 40102);
    }

    @Test
    void wildcardTokenWithClientIdParamIsIdentifiedAsThatClientId() {
        JsonNode connected = withToken(broker.token("*"), "yolanda").awaitAction(CONNECTED);
        assertEquals("yolanda", connected.path("connectionDetails").path("clientId").asText(), connected::toString);
    }

    @Test
    void wildcardClientIdParamIsNeverAnIdentity() {
        JsonNode refusal = withToken(broker.token("*"), "*").awaitAction(ERROR);
        assertEquals(40012, refusal.path("error").path("code").asInt(), refusal::toString);
    }

    @Test
    void wildcardTokenWithoutClientIdParamIsAWildcardConnectionThatMayNameAnyClientId() {
        RawWebSocket p = withToken(broker.token("*"), null);
        JsonNode connected = p.awaitAction(CONNECTED);
        assertEquals("*", connected.path("connectionDetails").path("clientId").asText(), connected::toString);
        String channel = TokenBroker.channel("wild");
        p.send(attach(channel));
        awaitAttached(p, channel);
        p.send(publish(channel, 0, "carol", "as carol"));
        p.awaitAction(ACK);
        JsonNode delivered = p.awaitAction(MESSAGE);
        assertEquals("carol", delivered.path("messages").path(0).path("clientId").asText(), delivered::toString);
    }

    @Test
    void anonymousTokenConnectsWithoutClientIdAndCannotNameOne() {
        RawWebSocket p = withToken(broker.token(null), null);
        JsonNode connected = p.awaitAction(CONNECTED);
        assertFalse(connected.path("connectionDetails").has("clientId"), connected::toString);
        String channel = TokenBroker.channel("anon");
        p.send(attach(channel));
        awaitAttached(p, channel);

        p.send(publish(channel, 0, "x", "masquerade"));
        JsonNode nack = p.awaitAction(NACK);
        assertEquals(0, nack.path("msgSerial").asLong());
        assertError(40012, 400, nack);

        p.send(publish(channel, 1, null, "plain"));
        JsonNode ack = p.awaitAction(ACK);
        assertEquals(1, ack.path("msgSerial").asLong(), ack::toString);
        JsonNode delivered = p.awaitAction(MESSAGE);
        assertEquals("plain", delivered.path("messages").path(0).path("data").asText());
        assertFalse(delivered.path("messages").path(0).has("clientId"), delivered::toString);
        assertEquals(1, messagesOn(p, channel).size(), "the NACKed message was not delivered");
        assertFalse(p.isClosed(), "a NACK leaves the connection up");
    }

    // ----- token errors at connect -----

    @Test
    void expiredTokenAtConnectIsDisconnectedWith40142SoTheClientRenews() {
        assertRefused(withToken(broker.expiredToken("xavier"), null), DISCONNECTED, 40142);
    }

    /**
     * On a broker of its own whose clock only the test moves: with the real clock, a one-second token
     * minted before the connect could expire before a slow connect got its CONNECTED. The expiry timer
     * still runs on Netty's real scheduler (it re-arms while the clock says the token is valid).
     */
    @Test
    void tokenExpiringOnALiveConnectionEndsItWithDisconnected40142() throws Exception {
        ManualClock clock = ManualClock.startingNow();
        try (TokenBroker own = new TokenBroker(clock)) {
            RawWebSocket p = RawWebSocket.open(own.realtime("format=json&v=2&heartbeats=true&accessToken="
                    + enc(own.token("xavier", 1_000L, null))), RawWebSocket.JSON_TEXT_ONLY);
            probes.add(p);
            p.awaitAction(CONNECTED);
            clock.advance(Duration.ofMillis(1_000));
            JsonNode disconnected = p.awaitAction(DISCONNECTED);
            assertError(40142, 401, disconnected);
            p.awaitClosed();
        }
    }

    @Test
    void garbageTokenIsRefusedAsUnrecognised() {
        assertRefused(withToken("hb1.garbage.garbage", null), DISCONNECTED, 40143);
    }

    @Test
    void tokenWithATamperedSignatureIsRefused() {
        String token = broker.token("xavier");
        char lastChar = token.charAt(token.length() - 2);
        String tampered = token.substring(0, token.length() - 2) + (lastChar == 'A' ? 'B' : 'A') + token.charAt(token.length() - 1);
        assertRefused(withToken(tampered, null), DISCONNECTED, 40145);
    }

    @Test
    void accessTokenInAblyJsSpellingIsAccepted() {
        JsonNode connected = open("access_token=" + enc(broker.token("jsuser"))).awaitAction(CONNECTED);
        assertEquals("jsuser", connected.path("connectionDetails").path("clientId").asText(), connected::toString);
    }

    @Test
    void validJwtIsAcceptedAndCarriesItsClientId() {
        JsonNode connected = withToken(broker.jwt("jwtuser", null), null).awaitAction(CONNECTED);
        assertEquals("jwtuser", connected.path("connectionDetails").path("clientId").asText(), connected::toString);
    }

    @Test
    void jwtCapabilityClaimIsEnforced() {
        String readable = TokenBroker.channel("jwtcap");
        String other = TokenBroker.channel("jwtother");
        RawWebSocket p = withToken(broker.jwt("jwtuser", "{\"" + readable + "\":[\"subscribe\"]}"), null);
        p.awaitAction(CONNECTED);
        p.send(attach(readable));
        awaitAttached(p, readable);
        p.send(attach(other));
        JsonNode denied = p.awaitAction(ERROR);
        assertEquals(other, denied.path("channel").asText(), denied::toString);
        assertError(40160, 401, denied);
        p.send(publish(readable, 0, null, "no publish capability"));
        assertError(40160, 401, p.awaitAction(NACK));
        assertFalse(p.isClosed());
    }

    @Test
    void jwtWithAlgNoneIsRejected() {
        String unsigned = broker.unsignedJwt("jwtuser");
        assertTrue(unsigned.endsWith("."), "an alg=none JWT has an empty signature: " + unsigned);
        assertRefused(withToken(unsigned, null), DISCONNECTED, 40144);
    }

    @Test
    void jwtSignedWithAnotherSecretIsRejected() {
        assertRefused(withToken(broker.forgedJwt("jwtuser"), null), DISCONNECTED, 40144);
    }

    // ----- POST /keys/{keyName}/requestToken over HTTP -----

    private static HttpResponse<String> requestToken(String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(broker.rest("/keys/" + TokenBroker.KEY_NAME + "/requestToken"))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertHttpError(int status, int code, HttpResponse<String> response) throws Exception {
        assertEquals(status, response.statusCode(), response::body);
        assertEquals(code, JSON.readTree(response.body()).path("error").path("code").asInt(), response::body);
        if (status == 401) {
            String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
            assertFalse(challenge.isEmpty());
            assertFalse(challenge.toLowerCase().startsWith("bearer"), challenge);
        }
    }

    @Test
    void sameSignedTokenRequestTwiceIsANonceReplay() throws Exception {
        String body = TokenJson.write(broker.tokenRequest(TokenParams.forClientId("Bob"))).toString();
        HttpResponse<String> first = requestToken(body);
        assertEquals(200, first.statusCode(), first::body);
        assertEquals("application/json", first.headers().firstValue("Content-Type").orElse(""));
        JsonNode details = JSON.readTree(first.body());
        assertEquals("Bob", details.path("clientId").asText());
        // and the token works on a realtime connection
        JsonNode connected = withToken(details.path("token").asText(), null).awaitAction(CONNECTED);
        assertEquals("Bob", connected.path("connectionDetails").path("clientId").asText());

        assertHttpError(401, 40105, requestToken(body));
    }

    @Test
    void staleTimestampIsRefusedWith40104() throws Exception {
        long stale = System.currentTimeMillis() - Duration.ofMinutes(30).toMillis();
        TokenRequest request = broker.tokenRequest(new TokenParams(null, null, "Bob", stale, null));
        assertHttpError(401, 40104, requestToken(TokenJson.write(request).toString()));
    }

    @Test
    void tamperedMacIsRefusedWith40101() throws Exception {
        ObjectNode json = TokenJson.write(broker.tokenRequest(TokenParams.forClientId("Bob")));
        json.put("clientId", "Mallory");
        assertHttpError(401, 40101, requestToken(json.toString()));
    }

    // ----- in-band AUTH -----

    @Test
    void authWithTokenForTheSameClientIdSendsAnotherConnectedWithTheSameConnectionId() {
        RawWebSocket p = withToken(broker.token("bob"), null);
        JsonNode first = p.awaitAction(CONNECTED);
        String channel = TokenBroker.channel("reauth");
        p.send(attach(channel));
        awaitAttached(p, channel);

        p.send(auth(broker.token("bob", Duration.ofHours(2).toMillis(), null)));

        JsonNode second = p.awaitAction(CONNECTED, 2);
        assertEquals(first.path("connectionId").asText(), second.path("connectionId").asText(), second::toString);
        assertEquals("bob", second.path("connectionDetails").path("clientId").asText());
        // the channel survived: a publish still round-trips
        p.send(publish(channel, 0, null, "after reauth"));
        JsonNode delivered = p.awaitAction(MESSAGE);
        assertEquals("bob", delivered.path("messages").path(0).path("clientId").asText());
        assertFalse(p.isClosed());
    }

    @Test
    void authWithTokenForAnotherClientIdIsAnErrorAndTheConnectionCloses() {
        RawWebSocket p = withToken(broker.token("bob"), null);
        p.awaitAction(CONNECTED);

        p.send(auth(broker.token("mallory")));

        JsonNode error = p.awaitAction(ERROR);
        assertFalse(error.has("channel"), error::toString);
        assertError(40102, 401, error);
        p.awaitClosed();
        assertEquals(1, p.frames().stream().filter(f -> f.path("action").asInt() == CONNECTED).count());
    }

    @Test
    void authWithNarrowerCapabilityFailsTheNoLongerPermittedChannelOnly() {
        String kept = TokenBroker.channel("kept");
        String dropped = TokenBroker.channel("dropped");
        String both = "{\"" + kept + "\":[\"*\"],\"" + dropped + "\":[\"*\"]}";
        RawWebSocket p = withToken(broker.token("bob", null, both), null);
        p.awaitAction(CONNECTED);
        p.send(attach(kept));
        p.send(attach(dropped));
        awaitAttached(p, kept);
        awaitAttached(p, dropped);

        p.send(auth(broker.token("bob", null, "{\"" + kept + "\":[\"subscribe\"]}")));
        p.awaitAction(CONNECTED, 2);
        JsonNode channelError = p.awaitAction(ERROR);
        assertEquals(dropped, channelError.path("channel").asText(), channelError::toString);
        assertError(40160, 401, channelError);

        RawWebSocket publisher = open("key=" + enc(TokenBroker.FULL_KEY));
        publisher.awaitAction(CONNECTED);
        publisher.send(publish(dropped, 0, null, "to the dropped channel"));
        publisher.send(publish(kept, 1, null, "to the kept channel"));
        publisher.awaitAction(ACK, 2);
        p.await("MESSAGE on " + kept, f -> f.path("action").asInt() == MESSAGE && kept.equals(f.path("channel").asText()));
        assertEquals(List.of(), messagesOn(p, dropped), "nothing arrives on the dropped channel");
        assertFalse(p.isClosed(), "a channel-level ERROR leaves the connection up");
    }
}
