package dev.hubbub.transport.http.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenClaims;
import dev.hubbub.core.auth.TokenJson;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenRequest;
import dev.hubbub.core.auth.TokenRequestSigner;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.TestCore;
import dev.hubbub.transport.http.RestAuth;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.Limits;
import dev.hubbub.transport.http.RestAuth;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.transport.http.TokenRoute;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /keys/{keyName}/requestToken} and token credentials on REST, through
 * {@link RestHandler#handle} with real core collaborators and no sockets.
 */
class TokenRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_NAME = "app1.main";
    private static final String SECRET = "main-secret";
    private static final String FULL_KEY = KEY_NAME + ":" + SECRET;
    private static final String NARROW_KEY_NAME = "app1.narrow";

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final ApiKey key = new ApiKey(KEY_NAME, SECRET, Capability.ALL);
    private final ApiKey narrowKey = new ApiKey(NARROW_KEY_NAME, "narrow-secret",
            Capability.parse("{\"news\":[\"subscribe\"]}").value());
    private final KeyStore keys = new KeyStore(List.of(key, narrowKey));
    private final TokenAuthority authority = new TokenAuthority(keys, clock);
    private final Authenticator authenticator = new Authenticator(keys, authority, clock);
    private final PresenceTimers noTimers = (task, delay) -> () -> { };
    private final TestCore core = TestCore.builder().key(key).key(narrowKey).tokens(authority).clock(clock).timers(noTimers)
            .build();
    private final RestHandler rest = new RestHandler(new RestAuth(authenticator), core.publishing, clock);
    private final TokenRequestSigner signer = new TokenRequestSigner(clock);

    TokenRouteTest() {
        rest.with(new TokenRoute(authority, rest.auth()));
    }

    // ----- helpers -----

    private static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

    private static FullHttpRequest post(String uri, String body) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        if (body != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        }
        r.headers().set(HttpHeaderNames.ACCEPT, "application/json");
        return r;
    }

    private static String requestTokenPath(String keyName) { return "/keys/" + keyName + "/requestToken"; }

    private FullHttpResponse handle(FullHttpRequest request) {
        try {
            return rest.handle(request).toCompletableFuture().join();
        } finally {
            request.release();
        }
    }

    private static JsonNode body(FullHttpResponse response) throws Exception {
        try {
            return JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    private static void assertError(int status, int code, FullHttpResponse response) throws Exception {
        String www = response.headers().get(HttpHeaderNames.WWW_AUTHENTICATE);
        assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode json = body(response);
        assertEquals(status, response.status().code(), json::toString);
        assertEquals(code, json.path("error").path("code").asInt(), json::toString);
        assertEquals(status, json.path("error").path("statusCode").asInt(), json::toString);
        if (status == 401) {
            assertNotNull(www, "a 401 carries WWW-Authenticate");
            assertFalse(www.toLowerCase().startsWith("bearer"), "ably-java throws on a Bearer challenge: " + www);
        }
    }

    private String signedJson(TokenParams params) {
        return TokenJson.write(signer.create(key, params).value()).toString();
    }

    // ----- signed TokenRequests -----

    @Test
    void signedTokenRequestGetsJsonTokenDetailsEvenWhenMsgpackIsAccepted() throws Exception {
        FullHttpRequest r = post(requestTokenPath(KEY_NAME), signedJson(TokenParams.forClientId("Bob")));
        r.headers().set(HttpHeaderNames.ACCEPT, "application/x-msgpack,application/json");
        FullHttpResponse response = handle(r);

        assertEquals(200, response.status().code());
        assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode details = body(response);
        assertEquals(KEY_NAME, details.path("keyName").asText());
        assertEquals("Bob", details.path("clientId").asText());
        assertEquals(clock.millis(), details.path("issued").asLong());
        assertEquals(Duration.ofMinutes(60).toMillis(), details.path("expires").asLong() - details.path("issued").asLong(),
                "default ttl is 60 minutes");
        assertTrue(details.path("capability").isTextual(), "capability is a JSON string: " + details);
        assertEquals("{\"*\":[\"*\"]}", details.path("capability").asText());

        Outcome<TokenClaims> claims = authority.verify(details.path("token").asText());
        assertTrue(claims.isOk(), claims::toString);
        assertEquals("Bob", claims.value().clientId());
        Outcome<Principal> bob = authenticator.authenticateToken(details.path("token").asText(), null);
        assertEquals("Bob", bob.value().identity().clientId());
    }

    @Test
    void signedRequestWithTtlAndCapabilityAsStringsOrNumbers() throws Exception {
        TokenRequest request = signer.create(key, new TokenParams(123_000L, "{\"chat:*\":[\"subscribe\",\"publish\"]}", "*", null, null))
                .value();
        ObjectNode json = TokenJson.write(request);
        json.put("ttl", "123000"); // the docs' example sends ttl as a string
        JsonNode details = body(handle(post(requestTokenPath(KEY_NAME), json.toString())));
        assertEquals(123_000, details.path("expires").asLong() - details.path("issued").asLong(), details::toString);
        assertEquals("*", details.path("clientId").asText());
        assertEquals("{\"chat:*\":[\"publish\",\"subscribe\"]}", details.path("capability").asText());
    }

    @Test
    void anonymousTokenDetailsOmitClientId() throws Exception {
        JsonNode details = body(handle(post(requestTokenPath(KEY_NAME), signedJson(TokenParams.DEFAULTS))));
        assertTrue(details.has("token"), details::toString);
        assertFalse(details.has("clientId"), details::toString);
        assertTrue(details.has("issued"), "ably-js tells TokenDetails from TokenRequest by 'issued'");
    }

    @Test
    void keyNameInBodyMustMatchThePath() throws Exception {
        assertError(401, 40101, handle(post(requestTokenPath(NARROW_KEY_NAME), signedJson(TokenParams.forClientId("Bob")))));
    }

    @Test
    void unknownKeyIsRefused() throws Exception {
        ApiKey stranger = new ApiKey("app9.nope", "whatever", Capability.ALL);
        String json = TokenJson.write(signer.create(stranger, TokenParams.DEFAULTS).value()).toString();
        assertError(401, 40101, handle(post(requestTokenPath("app9.nope"), json)));
    }

    @Test
    void tamperedMacIsRefusedWith40101() throws Exception {
        ObjectNode json = TokenJson.write(signer.create(key, TokenParams.forClientId("Bob")).value());
        json.put("clientId", "Mallory"); // signed for Bob
        assertError(401, 40101, handle(post(requestTokenPath(KEY_NAME), json.toString())));

        ObjectNode flipped = TokenJson.write(signer.create(key, TokenParams.forClientId("Bob")).value());
        String mac = flipped.path("mac").asText();
        flipped.put("mac", (mac.charAt(0) == 'A' ? 'B' : 'A') + mac.substring(1));
        assertError(401, 40101, handle(post(requestTokenPath(KEY_NAME), flipped.toString())));
    }

    @Test
    void replayedNonceIsRefusedWith40105() throws Exception {
        String json = signedJson(TokenParams.forClientId("Bob"));
        FullHttpResponse first = handle(post(requestTokenPath(KEY_NAME), json));
        assertEquals(200, first.status().code());
        first.release();
        assertError(401, 40105, handle(post(requestTokenPath(KEY_NAME), json)));
    }

    @Test
    void timestampOutsideTwoMinutesIsRefusedWith40104() throws Exception {
        long now = clock.millis();
        String stale = signedJson(new TokenParams(null, null, "Bob", now - Duration.ofMinutes(3).toMillis(), null));
        assertError(401, 40104, handle(post(requestTokenPath(KEY_NAME), stale)));
        String future = signedJson(new TokenParams(null, null, "Bob", now + Duration.ofMinutes(3).toMillis(), null));
        assertError(401, 40104, handle(post(requestTokenPath(KEY_NAME), future)));
        String justInside = signedJson(new TokenParams(null, null, "Bob", now - Duration.ofSeconds(110).toMillis(), null));
        FullHttpResponse ok = handle(post(requestTokenPath(KEY_NAME), justInside));
        assertEquals(200, ok.status().code());
        ok.release();
    }

    @Test
    void ttlOverTwentyFourHoursIsRefusedWith40003() throws Exception {
        String json = signedJson(new TokenParams(Duration.ofHours(25).toMillis(), null, "Bob", null, null));
        assertError(400, 40003, handle(post(requestTokenPath(KEY_NAME), json)));
    }

    @Test
    void capabilityWithNothingInCommonWithTheKeysIsRefused() throws Exception {
        TokenRequest request = signer.create(narrowKey, new TokenParams(null, "{\"chat\":[\"publish\"]}", "Bob", null, null))
                .value();
        assertError(401, 40160, handle(post(requestTokenPath(NARROW_KEY_NAME), TokenJson.write(request).toString())));
    }

    @Test
    void requestTokenTakesPostOnly() throws Exception {
        FullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, requestTokenPath(KEY_NAME));
        assertError(405, 40500, handle(get));
    }

    // ----- TokenParams with credentials -----

    @Test
    void basicAuthWithTokenParamsGetsAToken() throws Exception {
        FullHttpRequest r = post(requestTokenPath(KEY_NAME), "{\"clientId\":\"Bob\",\"ttl\":60000}");
        r.headers().set(HttpHeaderNames.AUTHORIZATION, "Basic " + b64(FULL_KEY));
        FullHttpResponse response = handle(r);
        assertEquals(200, response.status().code());
        JsonNode details = body(response);
        assertEquals("Bob", details.path("clientId").asText());
        assertEquals(60_000, details.path("expires").asLong() - details.path("issued").asLong());
        assertTrue(authority.verify(details.path("token").asText()).isOk());
    }

    @Test
    void basicAuthWithNoBodyGetsADefaultToken() throws Exception {
        FullHttpRequest r = post(requestTokenPath(KEY_NAME), null);
        r.headers().set(HttpHeaderNames.AUTHORIZATION, "Basic " + b64(FULL_KEY));
        JsonNode details = body(handle(r));
        assertTrue(details.has("token"), details::toString);
        assertFalse(details.has("clientId"));
    }

    @Test
    void basicAuthWithWrongSecretOrForAnotherKeyIsRefused() throws Exception {
        FullHttpRequest wrongSecret = post(requestTokenPath(KEY_NAME), "{}");
        wrongSecret.headers().set(HttpHeaderNames.AUTHORIZATION, "Basic " + b64(KEY_NAME + ":guess"));
        assertError(401, 40101, handle(wrongSecret));

        FullHttpRequest otherKey = post(requestTokenPath(KEY_NAME), "{}");
        otherKey.headers().set(HttpHeaderNames.AUTHORIZATION, "Basic " + b64(NARROW_KEY_NAME + ":narrow-secret"));
        assertError(401, 40101, handle(otherKey));
    }

    @Test
    void bearerTokenCannotMintTokensWithoutAMac() throws Exception {
        String token = authority.issue(key, TokenParams.forClientId("Bob")).value().token();
        FullHttpRequest r = post(requestTokenPath(KEY_NAME), "{\"clientId\":\"Bob\"}");
        r.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + b64(token));
        assertError(401, 40162, handle(r));
    }

    @Test
    void noCredentialsAndNoMacIsRefused() throws Exception {
        assertError(401, 40101, handle(post(requestTokenPath(KEY_NAME), "{\"clientId\":\"Bob\"}")));
    }

    // ----- tokens on other REST endpoints -----

    private static HttpHeaders bearer(String value) {
        return new DefaultHttpHeaders().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + value);
    }

    @Test
    void restAuthAcceptsBase64AndRawBearerTokens() {
        String token = authority.issue(key, TokenParams.forClientId("Bob")).value().token();
        RestAuth auth = rest.auth();
        Outcome<Principal> encoded = auth.authenticate(bearer(b64(token)));
        assertTrue(encoded.isOk(), encoded::toString);
        assertEquals("Bob", encoded.value().identity().clientId());
        assertEquals(Principal.CredentialKind.TOKEN, encoded.value().credentialKind());
        Outcome<Principal> raw = auth.authenticate(bearer(token));
        assertTrue(raw.isOk(), raw::toString);
        assertEquals("Bob", raw.value().identity().clientId());
    }

    private String jwt(String clientId, Algorithm algorithm) {
        Instant now = clock.instant();
        return JWT.create().withKeyId(KEY_NAME).withIssuedAt(now).withExpiresAt(now.plus(Duration.ofHours(1)))
                .withClaim("x-ably-clientId", clientId).sign(algorithm);
    }

    @Test
    void restAuthAcceptsAblyJwtsAndRefusesUnsignedOnes() {
        RestAuth auth = rest.auth();
        String signed = jwt("jwtuser", Algorithm.HMAC256(SECRET.getBytes(StandardCharsets.UTF_8)));
        Outcome<Principal> encoded = auth.authenticate(bearer(b64(signed)));
        assertTrue(encoded.isOk(), encoded::toString);
        assertEquals("jwtuser", encoded.value().identity().clientId());
        assertEquals("jwtuser", auth.authenticate(bearer(signed)).value().identity().clientId());

        Outcome<Principal> none = auth.authenticate(bearer(b64(jwt("jwtuser", Algorithm.none()))));
        assertEquals(40144, none.error().code(), none::toString);
        Outcome<Principal> forged = auth.authenticate(bearer(jwt("jwtuser", Algorithm.HMAC256("guess".getBytes(StandardCharsets.UTF_8)))));
        assertEquals(40144, forged.error().code(), forged::toString);
    }

    @Test
    void restAuthAppliesTheIdentityTableToXAblyClientId() {
        String bobToken = authority.issue(key, TokenParams.forClientId("Bob")).value().token();
        String wildcard = authority.issue(key, TokenParams.forClientId("*")).value().token();
        String anonymous = authority.issue(key, TokenParams.DEFAULTS).value().token();
        RestAuth auth = rest.auth();

        assertEquals("Bob", auth.authenticate(bearer(b64(bobToken)).set("X-Ably-ClientId", b64("Bob")))
                .value().identity().clientId());
        assertEquals(40102, auth.authenticate(bearer(b64(bobToken)).set("X-Ably-ClientId", b64("Alice"))).error().code());
        assertEquals("Alice", auth.authenticate(bearer(b64(wildcard)).set("X-Ably-ClientId", b64("Alice")))
                .value().identity().clientId());
        assertEquals(40102, auth.authenticate(bearer(b64(anonymous)).set("X-Ably-ClientId", b64("Alice"))).error().code());
        assertNull(auth.authenticate(bearer(b64(anonymous))).value().identity().clientId());
    }

    @Test
    void expiredBearerTokenIs401WithAnXAblyTokenChallenge() throws Exception {
        String token = authority.issue(key, new TokenParams(1_000L, null, "Bob", null, null)).value().token();
        clock.advance(Duration.ofSeconds(2));
        FullHttpRequest publish = post("/channels/news/messages", "{\"name\":\"n\",\"data\":\"d\"}");
        publish.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + b64(token));
        FullHttpResponse response = handle(publish);
        String challenge = response.headers().get(HttpHeaderNames.WWW_AUTHENTICATE);
        assertNotNull(challenge);
        assertTrue(challenge.toLowerCase().startsWith("x-ably-token"), challenge);
        assertFalse(challenge.toLowerCase().contains("bearer"), challenge);
        assertError(401, 40142, response);
    }

    @Test
    void garbageBearerTokenIs401WithAnXAblyTokenChallenge() throws Exception {
        FullHttpRequest publish = post("/channels/news/messages", "{\"name\":\"n\",\"data\":\"d\"}");
        publish.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + b64("not-a-token"));
        FullHttpResponse response = handle(publish);
        assertTrue(response.headers().get(HttpHeaderNames.WWW_AUTHENTICATE).toLowerCase().startsWith("x-ably-token"));
        assertError(401, 40143, response);
    }

    @Test
    void restPublishWithTokenPassesTheIdentityGate() throws Exception {
        String token = authority.issue(key, TokenParams.forClientId("Bob")).value().token();
        FullHttpRequest ok = post("/channels/news/messages", "{\"name\":\"n\",\"data\":\"d\"}");
        ok.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + b64(token));
        FullHttpResponse created = handle(ok);
        assertEquals(201, created.status().code());
        created.release();

        FullHttpRequest masquerade = post("/channels/news/messages", "{\"name\":\"n\",\"data\":\"d\",\"clientId\":\"Alice\"}");
        masquerade.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + b64(token));
        assertError(400, 40012, handle(masquerade));
    }

    @Test
    void restPublishWithoutPublishCapabilityIs40160() throws Exception {
        String token = authority.issue(key, new TokenParams(null, "{\"news\":[\"subscribe\"]}", "Bob", null, null))
                .value().token();
        FullHttpRequest publish = post("/channels/news/messages", "{\"name\":\"n\",\"data\":\"d\"}");
        publish.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + b64(token));
        assertError(401, 40160, handle(publish));
    }
}
