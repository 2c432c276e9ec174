package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The token identity table, end to end: a signed TokenRequest, a token, the Authenticator. */
class TokenAuthenticationTest {
    private static final long T0 = 1_700_000_000_000L;

    private final ApiKey key = new ApiKey("app1.keyA", "secretA",
            Capability.parse("{\"chat:*\":[\"presence\",\"publish\",\"subscribe\"]}").value());
    private final KeyStore keys = new KeyStore(List.of(key));
    private final ManualClock clock = new ManualClock(T0);
    private final TokenAuthority authority = new TokenAuthority(keys, clock);
    private final Authenticator authenticator = new Authenticator(keys, authority, clock);
    private final TokenRequestSigner authServer = new TokenRequestSigner(clock);

    /** What an app's auth server and the SDK do together: sign a request, exchange it for a token. */
    private String tokenFor(String clientId) {
        TokenRequest request = authServer.create(key, TokenParams.forClientId(clientId)).value();
        return authority.issue(request).value().token();
    }

    private static void assertIdentity(ClientIdentity expected, Outcome<Principal> outcome) {
        assertIdentity(expected, Principal.CredentialKind.TOKEN, outcome);
    }

    private static void assertIdentity(ClientIdentity expected, Principal.CredentialKind kind, Outcome<Principal> outcome) {
        assertEquals(expected, outcome.value().identity(), outcome::toString);
        assertEquals(kind, outcome.value().credentialKind());
    }

    private static void assertRejected(ErrorCode expected, Outcome<?> outcome) {
        assertFalse(outcome.isOk(), () -> "expected " + expected + " but got " + outcome);
        assertEquals(expected.code(), outcome.error().code(), outcome.error().message());
        assertEquals(expected.statusCode(), outcome.error().statusCode());
    }

    @Test
    void tokenForXWithNoClaimIsX() {
        Outcome<Principal> bob = authenticator.authenticateToken(tokenFor("Bob"), null);
        assertIdentity(ClientIdentity.identified("Bob"), bob);
        assertEquals("app1.keyA", bob.value().keyName());
        assertEquals(T0 + Duration.ofMinutes(60).toMillis(), bob.value().expiresAt());
        assertEquals(key.capability(), bob.value().capability());
    }

    @Test
    void tokenForXClaimingXIsX() {
        assertIdentity(ClientIdentity.identified("Bob"), authenticator.authenticateToken(tokenFor("Bob"), "Bob"));
    }

    @Test
    void tokenForXClaimingYIsIncompatible() {
        assertRejected(ErrorCode.INCOMPATIBLE_CREDENTIALS, authenticator.authenticateToken(tokenFor("Bob"), "Mallory"));
    }

    @Test
    void wildcardTokenWithoutClaimIsWildcard() {
        assertIdentity(ClientIdentity.WILDCARD, authenticator.authenticateToken(tokenFor("*"), null));
    }

    @Test
    void wildcardTokenClaimingYIsY() {
        assertIdentity(ClientIdentity.identified("Yan"), authenticator.authenticateToken(tokenFor("*"), "Yan"));
    }

    @Test
    void anonymousTokenWithoutClaimIsAnonymous() {
        assertIdentity(ClientIdentity.ANONYMOUS, authenticator.authenticateToken(tokenFor(null), null));
    }

    @Test
    void anonymousTokenClaimingYIsIncompatible() {
        assertRejected(ErrorCode.INCOMPATIBLE_CREDENTIALS, authenticator.authenticateToken(tokenFor(null), "Yan"));
    }

    @Test
    void expiredTokenIsTokenExpired() {
        String token = authority.issue(key, TokenParams.forClientId("Bob").withTtl(60_000L)).value().token();
        clock.advance(Duration.ofSeconds(59));
        assertIdentity(ClientIdentity.identified("Bob"), authenticator.authenticateToken(token, null));
        clock.advance(Duration.ofSeconds(1));
        assertRejected(ErrorCode.TOKEN_EXPIRED, authenticator.authenticateToken(token, null));
    }

    @Test
    void jwtFollowsTheSameTableAndExpires() {
        long nowS = T0 / 1000;
        Algorithm hs256 = Algorithm.HMAC256("secretA".getBytes(StandardCharsets.UTF_8));
        String bob = JWT.create().withKeyId("app1.keyA").withClaim("iat", nowS).withClaim("exp", nowS + 60)
                .withClaim("x-ably-clientId", "Bob").sign(hs256);
        String anonymous = JWT.create().withKeyId("app1.keyA").withClaim("iat", nowS).withClaim("exp", nowS + 60).sign(hs256);
        assertIdentity(ClientIdentity.identified("Bob"), Principal.CredentialKind.JWT, authenticator.authenticateToken(bob, null));
        assertRejected(ErrorCode.INCOMPATIBLE_CREDENTIALS, authenticator.authenticateToken(bob, "Mallory"));
        assertIdentity(ClientIdentity.ANONYMOUS, Principal.CredentialKind.JWT, authenticator.authenticateToken(anonymous, null));
        assertRejected(ErrorCode.INCOMPATIBLE_CREDENTIALS, authenticator.authenticateToken(anonymous, "Yan"));
        clock.advance(Duration.ofSeconds(60));
        assertRejected(ErrorCode.TOKEN_EXPIRED, authenticator.authenticateToken(bob, null));
    }

    @Test
    void forgedOrUnknownTokensAreTokenErrors() {
        assertRejected(ErrorCode.TOKEN_UNRECOGNISED, authenticator.authenticateToken("made-up", null));
        String token = tokenFor("Bob");
        assertRejected(ErrorCode.INVALID_TOKEN, authenticator.authenticateToken(token.substring(0, token.length() - 2) + "xx", null));
    }

    // Rule: the clientId a client asks for when it connects (or calls REST) must be valid text: 40012, with a key
    // or a token, before any credential is looked at.
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"a\uD800b", "end\uDBFF", "\uDC00start", "lo\uDFFFhi", "x\u0000y", "tab\tid", "del\u007F", "non\uFFFE", "non\uFFFF"})
    void aClaimedClientIdThatIsNotValidTextIsRefused(String bad) {
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authenticator.authenticateToken(tokenFor("*"), bad));
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authenticator.authenticateKey(key, bad));
    }
}
