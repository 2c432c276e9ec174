package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenAuthorityVerifyTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApiKey keyA = new ApiKey("app1.keyA", "secretA",
            Capability.parse("{\"chat:*\":[\"publish\",\"subscribe\"],\"news\":[\"subscribe\"]}").value());
    private final ApiKey keyB = new ApiKey("app1.keyB", "secretB", Capability.ALL);
    private final KeyStore keys = new KeyStore(List.of(keyA, keyB));
    private final ManualClock clock = new ManualClock(T0);
    private final TokenAuthority authority = new TokenAuthority(keys, clock);

    private static void assertRejected(ErrorCode expected, Outcome<?> outcome) {
        assertFalse(outcome.isOk(), () -> "expected " + expected + " but got " + outcome);
        assertEquals(expected.code(), outcome.error().code(), outcome.error().message());
    }

    private static String[] parts(String token) {
        assertTrue(token.startsWith("hb1."));
        return token.substring(4).split("\\.", -1);
    }

    private static ObjectNode payloadOf(String token) throws Exception {
        return (ObjectNode) JSON.readTree(Base64.getUrlDecoder().decode(parts(token)[0]));
    }

    private static String withPayload(String token, ObjectNode payload) {
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(payload.toString().getBytes(StandardCharsets.UTF_8));
        return "hb1." + encoded + "." + parts(token)[1];
    }

    // A token minted here is known to this authority without decoding it: what it answers must be exactly what a
    // node that has never seen the token decodes from it (same keys), for every kind of token.
    @Test
    void aTokenKnownFromItsMintVerifiesToWhatDecodingItGives() {
        List<TokenDetails> minted = List.of(
                authority.issue(keyA, new TokenParams(90_000L, "{\"chat:*\":[\"*\"],\"other\":[\"*\"]}", "Bob", null, null)).value(),
                authority.issue(keyA, TokenParams.DEFAULTS).value(),
                authority.issue(keyB, new TokenParams(null, null, null, null, null, "rk-1")).value(),
                authority.issue(keyB, TokenParams.forClientIdPattern("team-a:*")).value(),
                authority.issue(new TokenRequestSigner(clock).create(keyA, TokenParams.forClientId("Ann")).value()).value());
        for (TokenDetails d : minted) {
            TokenAuthority stranger = new TokenAuthority(keys, clock);
            assertEquals(stranger.verify(d.token()).value(), authority.verify(d.token()).value(), d.toString());
        }
    }

    // Rule: knowing a token from its mint does not skip revocation (checked on every use).
    @Test
    void aTokenKnownFromItsMintIsStillRefusedOnceRevoked() {
        TokenDetails d = authority.issue(keyA, TokenParams.forClientId("Bob")).value();
        authority.revokeTokenId(authority.tokenIdOf(d.token()).orElseThrow());
        assertRejected(ErrorCode.TOKEN_REVOKED, authority.verify(d.token()));
    }

    @Test
    void issuedTokenVerifiesToTheSameClaims() {
        TokenDetails details = authority.issue(keyA, new TokenParams(90_000L, "{\"chat:*\":[\"*\"]}", "Bob", null, null)).value();
        TokenClaims claims = authority.verify(details.token()).value();
        assertEquals("app1.keyA", claims.keyName());
        assertEquals("app1", claims.appId());
        assertEquals("Bob", claims.clientId());
        assertEquals(details.capability(), claims.capability().toJson());
        assertEquals(details.issued(), claims.issued());
        assertEquals(details.expires(), claims.expires());
        assertEquals(T0 + 90_000L, claims.expires());
    }

    @Test
    void wildcardAndAnonymousTokensKeepTheirShape() {
        assertEquals("*", authority.verify(authority.issue(keyA, TokenParams.forClientId("*")).value().token()).value().clientId());
        assertNull(authority.verify(authority.issue(keyA, TokenParams.DEFAULTS).value().token()).value().clientId());
    }

    @Test
    void anotherNodeWithTheSameKeysVerifiesTheToken() {
        String token = authority.issue(keyA, TokenParams.forClientId("Bob")).value().token();
        TokenAuthority otherNode = new TokenAuthority(new KeyStore(List.of(keyB, keyA)), new ManualClock(T0 + 1));
        assertEquals("Bob", otherNode.verify(token).value().clientId());
    }

    @Test
    void verifyDoesNotJudgeExpiryButReportsIt() {
        TokenDetails details = authority.issue(keyA, TokenParams.DEFAULTS.withTtl(1000L)).value();
        clock.advance(Duration.ofHours(48));
        assertEquals(T0 + 1000L, authority.verify(details.token()).value().expires());
    }

    @Test
    void tamperedPayloadIsRejected() throws Exception {
        String token = authority.issue(keyA, TokenParams.forClientId("Bob")).value().token();
        ObjectNode asAlice = payloadOf(token).put("c", "Alice");
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(withPayload(token, asAlice)));
        ObjectNode wildcard = payloadOf(token).put("c", "*");
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(withPayload(token, wildcard)));
        ObjectNode longer = payloadOf(token).put("exp", T0 + Duration.ofDays(365).toMillis());
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(withPayload(token, longer)));
        ObjectNode wider = payloadOf(token).put("cap", "{\"*\":[\"*\"]}");
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(withPayload(token, wider)));
        assertTrue(authority.verify(token).isOk());
    }

    @Test
    void tamperedSignatureIsRejected() {
        String token = authority.issue(keyA, TokenParams.forClientId("Bob")).value().token();
        String[] p = parts(token);
        String sig = p[1];
        String flipped = (sig.charAt(0) == 'A' ? 'B' : 'A') + sig.substring(1);
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify("hb1." + p[0] + "." + flipped));
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify("hb1." + p[0] + "." + sig + "="));
        assertRejected(ErrorCode.TOKEN_UNRECOGNISED, authority.verify("hb1." + p[0] + "."));
    }

    @Test
    void tokenSignedWithAnotherKeysSecretIsRejected() {
        // someone holding keyB's secret forges a token that names keyA
        ApiKey forger = new ApiKey("app1.keyA", "secretB", Capability.ALL);
        TokenAuthority forgery = new TokenAuthority(new KeyStore(List.of(forger)), clock);
        String forged = forgery.issue(forger, TokenParams.forClientId("Bob")).value().token();
        assertRejected(ErrorCode.INVALID_TOKEN, authority.verify(forged));
    }

    @Test
    void tokenFromAKeyThisBrokerDoesNotHoldIsUnrecognised() {
        ApiKey elsewhere = new ApiKey("app9.keyZ", "secretZ", Capability.ALL);
        String token = new TokenAuthority(new KeyStore(List.of(elsewhere)), clock).issue(elsewhere, TokenParams.DEFAULTS).value().token();
        assertRejected(ErrorCode.TOKEN_UNRECOGNISED, authority.verify(token));
    }

    @Test
    void garbageIsUnrecognised() {
        for (String garbage : new String[] {"", "hello", "hb1.", "hb1.abc", "hb1.!!!.sig", "hb1.a.b.c", "x.y",
                "hb1." + Base64.getUrlEncoder().encodeToString("[1,2]".getBytes(StandardCharsets.UTF_8)) + ".sig",
                "hb1." + "A".repeat(9000) + ".sig"}) {
            assertRejected(ErrorCode.TOKEN_UNRECOGNISED, authority.verify(garbage));
        }
        assertRejected(ErrorCode.TOKEN_UNRECOGNISED, authority.verify(null));
    }

    @Test
    void revokedTokenIsRejectedEvenWhenCached() {
        String bob = authority.issue(keyA, TokenParams.forClientId("Bob")).value().token();
        String alice = authority.issue(keyA, TokenParams.forClientId("Alice")).value().token();
        assertTrue(authority.verify(bob).isOk());
        String id = authority.tokenIdOf(bob).orElseThrow();
        authority.revokeTokenId(id);
        assertRejected(ErrorCode.TOKEN_REVOKED, authority.verify(bob));
        assertTrue(authority.verify(alice).isOk());
        assertTrue(authority.tokenIdOf("not a token").isEmpty());
    }

    @Test
    void narrowingTheKeyNarrowsOutstandingTokens() {
        String token = authority.issue(keyA, TokenParams.DEFAULTS).value().token();
        ApiKey narrowed = new ApiKey("app1.keyA", "secretA", Capability.parse("{\"news\":[\"subscribe\"]}").value());
        TokenAuthority afterReconfig = new TokenAuthority(new KeyStore(List.of(narrowed)), clock);
        assertEquals("{\"news\":[\"subscribe\"]}", afterReconfig.verify(token).value().capability().toJson());
        ApiKey disjoint = new ApiKey("app1.keyA", "secretA", Capability.parse("{\"other\":[\"subscribe\"]}").value());
        assertRejected(ErrorCode.CAPABILITY_DENIED, new TokenAuthority(new KeyStore(List.of(disjoint)), clock).verify(token));
    }

    @Test
    void tokenNeverCarriesTheSecret() throws Exception {
        String token = authority.issue(keyA, TokenParams.forClientId("Bob")).value().token();
        assertFalse(token.contains("secretA"));
        assertFalse(payloadOf(token).toString().contains("secretA"));
        assertTrue(payloadOf(token).hasNonNull("jti"));
    }
}
