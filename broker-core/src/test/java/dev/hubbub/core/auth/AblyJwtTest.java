package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class AblyJwtTest {
    private static final long NOW_S = 1_700_000_000L;
    private static final String KEY_A_CAPABILITY = "{\"chat:*\":[\"publish\",\"subscribe\"],\"news\":[\"subscribe\"]}";

    private final ApiKey keyA = new ApiKey("app1.keyA", "secretA", Capability.parse(KEY_A_CAPABILITY).value());
    private final ApiKey keyB = new ApiKey("app1.keyB", "secretB", Capability.ALL);
    private final TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(keyA, keyB)), new ManualClock(NOW_S * 1000));

    private static JWTCreator.Builder jwt(String kid) {
        return JWT.create().withKeyId(kid).withClaim("iat", NOW_S).withClaim("exp", NOW_S + 3600);
    }

    private static Algorithm hs256(String secret) { return Algorithm.HMAC256(secret.getBytes(StandardCharsets.UTF_8)); }

    private static String b64url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRejected(ErrorCode expected, Outcome<?> outcome) {
        assertFalse(outcome.isOk(), () -> "expected " + expected + " but got " + outcome);
        assertEquals(expected.code(), outcome.error().code(), outcome.error().message());
    }

    @Test
    void validHs256WithKidIsAccepted() {
        TokenClaims claims = authority.verify(jwt("app1.keyA").sign(hs256("secretA"))).value();
        assertEquals("app1.keyA", claims.keyName());
        assertEquals("app1", claims.appId());
        assertNull(claims.clientId());
        assertEquals(KEY_A_CAPABILITY, claims.capability().toJson());
        assertEquals(NOW_S * 1000, claims.issued());
        assertEquals((NOW_S + 3600) * 1000, claims.expires());
    }

    @Test
    void clientIdClaimIsHonoured() {
        assertEquals("Bob", authority.verify(jwt("app1.keyA").withClaim("x-ably-clientId", "Bob").sign(hs256("secretA"))).value().clientId());
        assertEquals("*", authority.verify(jwt("app1.keyA").withClaim("x-ably-clientId", "*").sign(hs256("secretA"))).value().clientId());
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(jwt("app1.keyA").withClaim("x-ably-clientId", "").sign(hs256("secretA"))));
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(jwt("app1.keyA").withClaim("x-ably-clientId", 42).sign(hs256("secretA"))));
    }

    @Test
    void capabilityClaimIsIntersectedWithTheKeys() {
        String token = jwt("app1.keyA").withClaim("x-ably-capability", "{\"chat:room\":[\"*\"],\"news\":[\"publish\"]}").sign(hs256("secretA"));
        assertEquals("{\"chat:room\":[\"publish\",\"subscribe\"]}", authority.verify(token).value().capability().toJson());
        String wide = jwt("app1.keyB").withClaim("x-ably-capability", "{\"news\":[\"subscribe\"]}").sign(hs256("secretB"));
        assertEquals("{\"news\":[\"subscribe\"]}", authority.verify(wide).value().capability().toJson());
        assertRejected(ErrorCode.CAPABILITY_DENIED,
                authority.verify(jwt("app1.keyA").withClaim("x-ably-capability", "{\"other\":[\"subscribe\"]}").sign(hs256("secretA"))));
        assertRejected(ErrorCode.INVALID_JWT,
                authority.verify(jwt("app1.keyA").withClaim("x-ably-capability", "{not json").sign(hs256("secretA"))));
    }

    @Test
    void wrongSecretIsRejected() {
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(jwt("app1.keyA").sign(hs256("secretB"))));
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(jwt("app1.keyA").sign(hs256("secretA-but-longer"))));
    }

    @Test
    void unknownOrMissingKidIsRejected() {
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(jwt("app1.keyZ").sign(hs256("secretA"))));
        assertRejected(ErrorCode.INVALID_JWT,
                authority.verify(JWT.create().withClaim("iat", NOW_S).withClaim("exp", NOW_S + 60).sign(hs256("secretA"))));
    }

    @Test
    void algNoneIsRejected() {
        String header = b64url("{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"app1.keyA\"}");
        String payload = b64url("{\"iat\":" + NOW_S + ",\"exp\":" + (NOW_S + 3600) + ",\"x-ably-clientId\":\"Bob\"}");
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(header + "." + payload + "."));
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(jwt("app1.keyA").sign(Algorithm.none())));
        // "none" header carrying a valid HS256 signature is still refused: the header decides the algorithm
        String signed = jwt("app1.keyA").withClaim("x-ably-clientId", "Bob").sign(hs256("secretA"));
        String swapped = header + signed.substring(signed.indexOf('.'));
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(swapped));
    }

    @Test
    void otherHmacAlgorithmsAreRejected() {
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(jwt("app1.keyA").sign(Algorithm.HMAC384("secretA"))));
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(jwt("app1.keyA").sign(Algorithm.HMAC512("secretA"))));
    }

    @Test
    void timesAreRequiredAndOrdered() {
        assertRejected(ErrorCode.INVALID_PARAMETER,
                authority.verify(JWT.create().withKeyId("app1.keyA").withClaim("iat", NOW_S).withClaim("exp", NOW_S - 1).sign(hs256("secretA"))));
        assertRejected(ErrorCode.INVALID_JWT,
                authority.verify(JWT.create().withKeyId("app1.keyA").withClaim("iat", NOW_S).sign(hs256("secretA"))));
        assertRejected(ErrorCode.INVALID_JWT,
                authority.verify(JWT.create().withKeyId("app1.keyA").withClaim("exp", NOW_S).sign(hs256("secretA"))));
    }

    @Test
    void expiredJwtStillVerifiesWithItsExpiry() {
        String expired = JWT.create().withKeyId("app1.keyA").withClaim("iat", NOW_S - 7200).withClaim("exp", NOW_S - 3600)
                .sign(hs256("secretA"));
        assertEquals((NOW_S - 3600) * 1000, authority.verify(expired).value().expires());
    }

    @Test
    void undecodableThreePartTokenIsInvalidJwt() {
        assertRejected(ErrorCode.INVALID_JWT, authority.verify("a.b.c"));
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(b64url("{\"alg\":\"HS256\"}") + ".!!.sig"));
    }

    // Rule: a JWT's x-ably-clientId must be valid text (no unpaired surrogate, control character or U+FFFE/U+FFFF): 40144.
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"a\uD800b", "end\uDBFF", "\uDC00start", "lo\uDFFFhi", "x\u0000y", "tab\tid", "del\u007F", "non\uFFFE", "non\uFFFF"})
    void clientIdClaimThatIsNotValidTextIsRejected(String bad) {
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(escapedJwt("app1.keyA", "secretA", bad)));
        assertEquals("a\uD83D\uDE00", authority.verify(escapedJwt("app1.keyA", "secretA", "a\uD83D\uDE00")).value().clientId());
    }

    /**
     * A JWT whose payload escapes every non-ASCII char ({@code \\uD800}), as an attacker would write it: java-jwt's
     * own builder encodes a lone surrogate as '?', which would never reach the check.
     */
    private static String escapedJwt(String kid, String secret, String clientId) {
        try {
            var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
            mapper.getFactory().configure(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature(), true);
            String header = b64url(mapper.writeValueAsString(java.util.Map.of("alg", "HS256", "typ", "JWT", "kid", kid)));
            String payload = b64url(mapper.writeValueAsString(java.util.Map.of("iat", NOW_S, "exp", NOW_S + 3600,
                    "x-ably-clientId", clientId)));
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] sig = mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
            return header + "." + payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // Rule: nbf (not before, seconds) is honoured: a JWT is refused (40144) until the clock, plus the skew allowance
    // (the TokenRequest timestamp window, 2 minutes), reaches its nbf; then it is accepted. A non-numeric nbf is 40144.
    @Test
    void nbfIsHonouredWithTheTimestampWindowAsSkew() {
        ManualClock clock = new ManualClock(NOW_S * 1000);
        TokenAuthority withClock = new TokenAuthority(new KeyStore(List.of(keyA)), clock);
        String later = jwt("app1.keyA").withClaim("nbf", NOW_S + 600).sign(hs256("secretA"));
        assertRejected(ErrorCode.INVALID_JWT, withClock.verify(later));
        clock.advance(java.time.Duration.ofSeconds(600 - 121));
        assertRejected(ErrorCode.INVALID_JWT, withClock.verify(later)); // 121 s early: more than the skew
        clock.advance(java.time.Duration.ofSeconds(1));
        assertEquals(NOW_S * 1000, withClock.verify(later).value().issued(), "120 s early: within the skew");
        String past = jwt("app1.keyA").withClaim("nbf", NOW_S - 1).sign(hs256("secretA"));
        assertEquals("app1.keyA", authority.verify(past).value().keyName());
        assertRejected(ErrorCode.INVALID_JWT, authority.verify(jwt("app1.keyA").withClaim("nbf", "soon").sign(hs256("secretA"))));
    }

    // Rule: a JWT lives no longer than our own tokens may (exp - iat <= TokenSettings.maxTtl, 24 h by default: 40003);
    // the same setting caps both.
    @Test
    void theLifetimeCapIsTheConfiguredMaxTtl() {
        var oneHour = new TokenSettings(java.time.Duration.ofMinutes(30), java.time.Duration.ofHours(1),
                java.time.Duration.ofMinutes(2), 1000, 100);
        TokenAuthority capped = new TokenAuthority(new KeyStore(List.of(keyA)), new ManualClock(NOW_S * 1000), oneHour);
        assertEquals("app1.keyA", capped.verify(jwt("app1.keyA").sign(hs256("secretA"))).value().keyName()); // exactly 1 h
        assertRejected(ErrorCode.INVALID_PARAMETER, capped.verify(
                jwt("app1.keyA").withClaim("exp", NOW_S + 3601).sign(hs256("secretA"))));
    }
    // Rule: an iat more than the skew allowance (the 2-minute timestamp window) ahead of the broker's clock is refused
    // (40144): a JWT "issued" a year from now with exp = iat + 1 h would otherwise be valid for a year and more.
    @Test
    void aJwtIssuedInTheFutureIsRefused() {
        ManualClock clock = new ManualClock(NOW_S * 1000);
        TokenAuthority withClock = new TokenAuthority(new KeyStore(List.of(keyA)), clock);
        long yearAhead = NOW_S + 365L * 24 * 3600;
        Outcome<TokenClaims> refused = withClock.verify(JWT.create().withKeyId("app1.keyA").withClaim("iat", yearAhead)
                .withClaim("exp", yearAhead + 3600).sign(hs256("secretA")));
        assertRejected(ErrorCode.INVALID_JWT, refused);
        assertTrue(refused.error().message().contains("iat is in the future"), refused.error().message());
        String early = JWT.create().withKeyId("app1.keyA").withClaim("iat", NOW_S + 121).withClaim("exp", NOW_S + 3600)
                .sign(hs256("secretA"));
        assertRejected(ErrorCode.INVALID_JWT, withClock.verify(early)); // 121 s ahead: more than the skew
        String withinSkew = JWT.create().withKeyId("app1.keyA").withClaim("iat", NOW_S + 120).withClaim("exp", NOW_S + 3600)
                .sign(hs256("secretA"));
        assertEquals((NOW_S + 120) * 1000, withClock.verify(withinSkew).value().issued(), "an issuer's clock 2 minutes ahead");
        clock.advance(java.time.Duration.ofSeconds(1));
        assertEquals((NOW_S + 121) * 1000, withClock.verify(early).value().issued(), "refusals are not cached: valid once due");
    }

    // Rule: a JWT lives at most maxTtl plus the skew allowance from now: exp - iat is capped and iat
    // may not run ahead of the clock by more than the allowance (a year-ahead iat would outlive every revocation).
    @Test
    void noJwtOutlivesMaxTtlPlusTheSkewFromNow() {
        var oneHour = new TokenSettings(java.time.Duration.ofMinutes(30), java.time.Duration.ofHours(1),
                java.time.Duration.ofMinutes(2), 1000, 100);
        TokenAuthority capped = new TokenAuthority(new KeyStore(List.of(keyA)), new ManualClock(NOW_S * 1000), oneHour);
        String issuerAheadByAMinute = JWT.create().withKeyId("app1.keyA").withClaim("iat", NOW_S + 60)
                .withClaim("exp", NOW_S + 3660).sign(hs256("secretA"));
        assertEquals((NOW_S + 3660) * 1000, capped.verify(issuerAheadByAMinute).value().expires(),
                "a full-length JWT from an issuer whose clock is a minute fast");
        String tooLong = JWT.create().withKeyId("app1.keyA").withClaim("iat", NOW_S + 60).withClaim("exp", NOW_S + 3661)
                .sign(hs256("secretA"));
        assertRejected(ErrorCode.INVALID_PARAMETER, capped.verify(tooLong));
        String yearAhead = JWT.create().withKeyId("app1.keyA").withClaim("iat", NOW_S + 365L * 86400)
                .withClaim("exp", NOW_S + 365L * 86400 + 3600).sign(hs256("secretA"));
        assertRejected(ErrorCode.INVALID_JWT, capped.verify(yearAhead));
    }
}
