package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Wildcard tokens limited to a clientId pattern, through every way a credential is made and read:
 * our own tokens (issued with the key, the {@code hb2.} format), Ably JWTs (the
 * {@code x-hubbub-clientId-pattern} claim), the TokenParams JSON, the TokenRequest signer that
 * cannot carry it, and the Authenticator's identity table at connect.
 */
class PatternTokenTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLAIM = "x-hubbub-clientId-pattern";

    private final ApiKey key = new ApiKey("app1.keyA", "secretA", Capability.ALL);
    private final KeyStore keys = new KeyStore(List.of(key));
    private final ManualClock clock = new ManualClock(T0);
    private final TokenAuthority authority = new TokenAuthority(keys, clock);
    private final Authenticator authenticator = new Authenticator(keys, authority, clock);

    private static ClientIdPattern pattern(String text) { return ClientIdPattern.parse(text).value(); }

    private static void assertRejected(ErrorCode expected, Outcome<?> outcome) {
        assertFalse(outcome.isOk(), () -> "expected " + expected + " but got " + outcome);
        assertEquals(expected.code(), outcome.error().code(), outcome.error().message());
    }

    private String supportToken() { return authority.issue(key, TokenParams.forClientIdPattern("support:*")).value().token(); }

    // ---- our own tokens

    @Test
    void aPatternTokenIsAWildcardTokenToTheClientAndCarriesItsPatternWhenVerified() {
        TokenDetails details = authority.issue(key, TokenParams.forClientIdPattern("support:*")).value();
        assertEquals("*", details.clientId(), "to the SDK it is a wildcard token");
        assertTrue(details.token().startsWith("hb2."), details.token());
        TokenClaims claims = authority.verify(details.token()).value();
        assertEquals("*", claims.clientId());
        assertEquals(pattern("support:*"), claims.clientIdPattern());
    }

    @Test
    void tokensWithoutAPatternAreHb1AsBeforeAndCarryNone() throws Exception {
        String token = authority.issue(key, TokenParams.forClientId("*")).value().token();
        assertTrue(token.startsWith("hb1."), token);
        ObjectNode payload = (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertFalse(payload.has("p"), payload::toString);
        assertNull(authority.verify(token).value().clientIdPattern());
    }

    @Test
    void aPatternNeedsClientIdStarInTheSameParams() {
        for (String clientId : new String[] {"Bob", null}) {
            Outcome<TokenDetails> refused = authority.issue(key, new TokenParams(null, null, clientId, null, null, null, "support:*"));
            assertRejected(ErrorCode.INVALID_PARAMETER, refused);
            assertTrue(refused.error().message().contains("clientId '*'"), refused.error().message());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "", "a*b", "bot-\n*"})
    void anInvalidPatternIsRefusedWith40003(String bad) {
        Outcome<TokenDetails> refused = authority.issue(key, TokenParams.forClientIdPattern(bad));
        assertRejected(ErrorCode.INVALID_PARAMETER, refused);
        assertTrue(refused.error().message().contains("clientId pattern"), refused.error().message());
    }

    @Test
    void movingAPatternTokenToTheHb1PrefixBreaksItsSignature() {
        String token = supportToken();
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify("hb1." + token.substring(4)));
    }

    /** A payload signed correctly with the key, under either prefix: what a tampered issuer could make. */
    private String signed(String prefix, String payloadJson) {
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
        byte[] tokenKey = TokenRequestSigner.hmacSha256(key.secretBytes(),
                "hubbub token signing key v1".getBytes(StandardCharsets.US_ASCII));
        byte[] mac = TokenRequestSigner.hmacSha256(tokenKey, (prefix + payload).getBytes(StandardCharsets.US_ASCII));
        return prefix + payload + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac);
    }

    private static String payload(String clientId, String pattern) {
        ObjectNode json = JSON.createObjectNode();
        json.put("k", "app1.keyA");
        if (clientId != null) {
            json.put("c", clientId);
        }
        json.put("cap", "{\"*\":[\"*\"]}");
        json.put("iat", T0);
        json.put("exp", T0 + 60_000);
        json.put("jti", "id-" + clientId + "-" + pattern);
        if (pattern != null) {
            json.put("p", pattern);
        }
        return json.toString();
    }

    @Test
    void theSignedFormatItselfIsWhatTheTestSigns() {
        assertTrue(authority.verify(signed("hb2.", payload("*", "support:*"))).isOk(), "the helper signs as the broker does");
        assertTrue(authority.verify(signed("hb1.", payload("*", null))).isOk());
    }

    @Test
    void aPatternOutsideHb2OrAnHb2WithoutAValidPatternOnAWildcardIsMalformed() {
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(signed("hb1.", payload("*", "support:*"))));
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(signed("hb2.", payload("*", null))));
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(signed("hb2.", payload("Bob", "support:*"))));
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(signed("hb2.", payload(null, "support:*"))));
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(signed("hb2.", payload("*", "*"))));
    }

    // ---- JWTs

    private static JWTCreator.Builder jwt() {
        long now = T0 / 1000;
        return JWT.create().withKeyId("app1.keyA").withClaim("iat", now).withClaim("exp", now + 3600);
    }

    private Outcome<TokenClaims> verifyJwt(JWTCreator.Builder jwt) {
        return authority.verify(jwt.sign(Algorithm.HMAC256("secretA".getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aJwtPatternClaimWithAWildcardClientIdIsHonoured() {
        TokenClaims claims = verifyJwt(jwt().withClaim("x-ably-clientId", "*").withClaim(CLAIM, "bot-*")).value();
        assertEquals("*", claims.clientId());
        assertEquals(pattern("bot-*"), claims.clientIdPattern());
        assertNull(verifyJwt(jwt().withClaim("x-ably-clientId", "*")).value().clientIdPattern());
    }

    @Test
    void aJwtPatternClaimWithoutAWildcardClientIdIsRefusedNotIgnored() {
        Outcome<TokenClaims> named = verifyJwt(jwt().withClaim("x-ably-clientId", "Bob").withClaim(CLAIM, "bot-*"));
        assertRejected(ErrorCode.INVALID_JWT, named);
        assertTrue(named.error().message().contains(CLAIM), named.error().message());
        assertRejected(ErrorCode.INVALID_JWT, verifyJwt(jwt().withClaim(CLAIM, "bot-*")));
    }

    @Test
    void anInvalidOrNonStringJwtPatternIs40144() {
        assertRejected(ErrorCode.INVALID_JWT, verifyJwt(jwt().withClaim("x-ably-clientId", "*").withClaim(CLAIM, "*")));
        assertRejected(ErrorCode.INVALID_JWT, verifyJwt(jwt().withClaim("x-ably-clientId", "*").withClaim(CLAIM, "a*b")));
        assertRejected(ErrorCode.INVALID_JWT, verifyJwt(jwt().withClaim("x-ably-clientId", "*").withClaim(CLAIM, 42)));
    }

    // ---- the identity a connection gets (realtime connect and REST X-Ably-ClientId alike)

    @Test
    void withoutAClaimTheConnectionIsAWildcardLimitedToThePattern() {
        Principal p = authenticator.authenticateToken(supportToken(), null).value();
        assertEquals(ClientIdentity.wildcard(pattern("support:*")), p.identity());
        assertEquals("*", p.identity().wireClientId());
    }

    @Test
    void aClaimInsideThePatternIdentifiesTheConnection() {
        assertEquals(ClientIdentity.identified("support:ann"), authenticator.authenticateToken(supportToken(), "support:ann").value().identity());
    }

    @Test
    void aClaimOutsideThePatternIs40102NamingThePattern() {
        Outcome<Principal> refused = authenticator.authenticateToken(supportToken(), "alice");
        assertRejected(ErrorCode.INCOMPATIBLE_CREDENTIALS, refused);
        assertTrue(refused.error().message().contains("'support:*'") && refused.error().message().contains("alice"),
                refused.error().message());
        String jwt = jwt().withClaim("x-ably-clientId", "*").withClaim(CLAIM, "support:*")
                .sign(Algorithm.HMAC256("secretA".getBytes(StandardCharsets.UTF_8)));
        assertRejected(ErrorCode.INCOMPATIBLE_CREDENTIALS, authenticator.authenticateToken(jwt, "alice"));
        assertEquals(ClientIdentity.identified("support:bo"), authenticator.authenticateToken(jwt, "support:bo").value().identity());
    }

    // ---- where the pattern can and cannot travel

    @Test
    void tokenParamsJsonCarriesThePatternUnderItsNamespacedName() throws Exception {
        TokenParams params = TokenJson.readTokenParams(JSON.readTree(
                "{\"clientId\":\"*\",\"x-hubbub-clientId-pattern\":\"support:*\"}")).value();
        assertEquals("support:*", params.clientIdPattern());
        assertEquals("*", params.clientId());
        assertRejected(ErrorCode.INVALID_PARAMETER, TokenJson.readTokenParams(JSON.readTree(
                "{\"clientId\":\"*\",\"x-hubbub-clientId-pattern\":7}")));
    }

    @Test
    void aSignedTokenRequestCarryingAPatternIsRefusedNotReadWithoutIt() throws Exception {
        TokenRequest request = new TokenRequestSigner(clock).create(key, TokenParams.forClientId("*")).value();
        ObjectNode body = TokenJson.write(request);
        body.put(CLAIM, "support:*");
        Outcome<TokenRequest> read = TokenJson.readTokenRequest(body);
        assertRejected(ErrorCode.INVALID_PARAMETER, read);
        assertTrue(read.error().message().contains(CLAIM), read.error().message());
    }

    @Test
    void theSignerRefusesToMakeATokenRequestWithAPattern() {
        Outcome<TokenRequest> refused = new TokenRequestSigner(clock).create(key, TokenParams.forClientIdPattern("support:*"));
        assertRejected(ErrorCode.INVALID_PARAMETER, refused);
    }
}
