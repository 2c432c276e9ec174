package dev.hubbub.transport.http.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.TestCore;
import dev.hubbub.transport.http.RestAuth;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.http.RevokeTokensRoute;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * {@code POST /keys/{keyName}/revokeTokens} through {@link RestHandler#handle} with real core
 * collaborators and no sockets: who may call it, what a malformed body is told, the batch result
 * per target (JSON and MessagePack), and that a revoked token is refused on REST at once.
 */
class RevocationRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());
    private static final long T0 = 1_700_000_000_000L;
    private static final String KEY_NAME = "app1.main";
    private static final String FULL_KEY = KEY_NAME + ":main-secret";

    private final ManualClock clock = new ManualClock(T0);
    private final ApiKey key = new ApiKey(KEY_NAME, "main-secret", Capability.ALL);
    private final ApiKey sibling = new ApiKey("app1.sibling", "sibling-secret", Capability.ALL);
    private final KeyStore keys = new KeyStore(List.of(key, sibling));
    private final TokenAuthority authority = new TokenAuthority(keys, clock);
    private final Authenticator authenticator = new Authenticator(keys, authority, clock);
    private final PresenceTimers noTimers = (task, delay) -> () -> { };
    private final TestCore core = TestCore.builder().key(key).key(sibling).tokens(authority).clock(clock).timers(noTimers).build();
    private final RestHandler rest = new RestHandler(new RestAuth(authenticator), core.publishing, clock);

    RevocationRouteTest() {
        rest.with(new RevokeTokensRoute(authority.revocations(), rest.auth()));
    }

    // ----- helpers -----

    private static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

    private static FullHttpRequest post(String uri, byte[] body, String contentType, String authorization) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        if (body != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        r.headers().set(HttpHeaderNames.ACCEPT, contentType);
        if (authorization != null) {
            r.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        return r;
    }

    private FullHttpResponse revoke(String body, String authorization) {
        return handle(post("/keys/" + KEY_NAME + "/revokeTokens", body == null ? null : body.getBytes(StandardCharsets.UTF_8),
                "application/json", authorization));
    }

    private FullHttpResponse revoke(String body) { return revoke(body, "Basic " + b64(FULL_KEY)); }

    private FullHttpResponse publishWithToken(String token) {
        return handle(post("/channels/room/messages", "{\"name\":\"n\",\"data\":\"d\"}".getBytes(StandardCharsets.UTF_8),
                "application/json", "Bearer " + b64(token)));
    }

    private FullHttpResponse handle(FullHttpRequest request) {
        try {
            return rest.handle(request).toCompletableFuture().join();
        } finally {
            request.release();
        }
    }

    private static JsonNode body(FullHttpResponse response) throws Exception {
        try {
            byte[] bytes = new byte[response.content().readableBytes()];
            response.content().readBytes(bytes);
            boolean msgpack = "application/x-msgpack".equals(response.headers().get(HttpHeaderNames.CONTENT_TYPE));
            return (msgpack ? MSGPACK : JSON).readTree(bytes);
        } finally {
            response.release();
        }
    }

    private static JsonNode assertError(int status, int code, FullHttpResponse response) throws Exception {
        JsonNode json = body(response);
        assertEquals(status, response.status().code(), json::toString);
        assertEquals(code, json.path("error").path("code").asInt(), json::toString);
        assertEquals(status, json.path("error").path("statusCode").asInt(), json::toString);
        assertFalse(json.path("error").path("message").asText().isBlank(), json::toString);
        return json;
    }

    private String token(String clientId) { return authority.issue(key, TokenParams.forClientId(clientId)).value().token(); }

    // ----- the batch result -----

    @Test
    void revokesPerTargetAndTheRevokedTokenIsRefusedOnRestAtOnce() throws Exception {
        String bob = token("bob");
        String carol = token("carol");
        clock.advance(Duration.ofSeconds(1));
        FullHttpResponse response = revoke("{\"targets\":[\"clientId:bob\",\"invalidType:abc\"]}");
        assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode result = body(response);
        assertEquals(200, response.status().code(), result::toString);
        assertEquals(1, result.path("successCount").asInt(), result::toString);
        assertEquals(1, result.path("failureCount").asInt(), result::toString);
        JsonNode ok = result.path("results").get(0);
        assertEquals("clientId:bob", ok.path("target").asText());
        assertEquals(T0 + 1000, ok.path("issuedBefore").asLong(), "default: now");
        assertEquals(T0 + 1000, ok.path("appliesAt").asLong(), "at once");
        assertFalse(ok.has("error"), ok::toString);
        JsonNode failed = result.path("results").get(1);
        assertEquals("invalidType:abc", failed.path("target").asText());
        assertEquals(40003, failed.path("error").path("code").asInt(), failed::toString);
        assertEquals(400, failed.path("error").path("statusCode").asInt(), failed::toString);
        assertTrue(failed.path("error").path("message").asText().contains("invalidType"), failed::toString);

        FullHttpResponse refused = publishWithToken(bob);
        assertEquals("40141", refused.headers().get("X-Ably-ErrorCode"));
        assertError(401, 40141, refused);
        FullHttpResponse published = publishWithToken(carol);
        assertEquals(201, published.status().code(), () -> published.content().toString(StandardCharsets.UTF_8));
        published.release();
    }

    @Test
    void msgpackBodiesAndAnswersAsAblyJsSendsThemWithItsBinaryProtocol() throws Exception {
        ObjectNode request = JSON.createObjectNode();
        request.putArray("targets").add("clientId:bob").add("revocationKey:group1");
        request.put("issuedBefore", T0 - Duration.ofMinutes(20).toMillis());
        request.put("allowReauthMargin", true);
        FullHttpResponse response = handle(post("/keys/" + KEY_NAME + "/revokeTokens", MSGPACK.writeValueAsBytes(request),
                "application/x-msgpack", "Basic " + b64(FULL_KEY)));
        assertEquals("application/x-msgpack", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode result = body(response);
        assertEquals(2, result.path("successCount").asInt(), result::toString);
        assertEquals(0, result.path("failureCount").asInt(), result::toString);
        for (JsonNode r : result.path("results")) {
            assertEquals(T0 - Duration.ofMinutes(20).toMillis(), r.path("issuedBefore").asLong(), r::toString);
            assertEquals(T0 + 30_000, r.path("appliesAt").asLong(), "allowReauthMargin: 30 s later");
        }
        assertEquals("revocationKey:group1", result.path("results").get(1).path("target").asText());
    }

    // ----- who may -----

    @Test
    void onlyTheHolderOfThatKeyMayRevokeItsTokens() throws Exception {
        String body = "{\"targets\":[\"clientId:bob\"]}";
        assertError(401, 40101, revoke(body, null));
        assertError(401, 40101, revoke(body, "Basic " + b64(KEY_NAME + ":wrong")));
        JsonNode withToken = assertError(401, 40162, revoke(body, "Bearer " + b64(token("bob"))));
        assertTrue(withToken.path("error").path("message").asText().startsWith("Revoking tokens"), withToken::toString);
        assertError(403, 40300, revoke(body, "Basic " + b64("app1.sibling:sibling-secret")));
        FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/keys/" + KEY_NAME + "/revokeTokens");
        get.headers().set(HttpHeaderNames.AUTHORIZATION, "Basic " + b64(FULL_KEY));
        assertError(405, 40500, handle(get));
        assertEquals(List.of(), authority.revocations().rules(), "nothing was revoked");
    }

    // ----- bodies -----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "(none)|40001|expected",
            "not json|40001|parsed",
            "[]|40001|expected",
            "{}|40001|targets",
            "{\"targets\":\"clientId:bob\"}|40001|targets",
            "{\"targets\":[42]}|40001|element 0",
            "{\"targets\":[\"clientId:bob\"],\"issuedBefore\":\"yesterday\"}|40001|issuedBefore",
            "{\"targets\":[\"clientId:bob\"],\"allowReauthMargin\":\"yes\"}|40001|allowReauthMargin",
            "{\"targets\":[]}|40003|targets",
            "{\"targets\":[\"clientId:bob\"],\"issuedBefore\":1700000000001}|40003|future",
            "{\"targets\":[\"clientId:bob\"],\"issuedBefore\":1699996399999}|40003|hour"})
    void aMalformedBodyIsRefusedSayingWhatIsWrong(String body, int code, String mentioned) throws Exception {
        JsonNode error = assertError(400, code, revoke(body.equals("(none)") ? null : body));
        assertTrue(error.path("error").path("message").asText().contains(mentioned), error::toString);
        assertEquals(List.of(), authority.revocations().rules(), "nothing was revoked");
    }

    @Test
    void moreThanAHundredTargetsAreRefused() throws Exception {
        ObjectNode body = JSON.createObjectNode();
        var targets = body.putArray("targets");
        for (int i = 0; i < 101; i++) {
            targets.add("clientId:c" + i);
        }
        assertError(400, 40003, revoke(body.toString()));
    }
}
