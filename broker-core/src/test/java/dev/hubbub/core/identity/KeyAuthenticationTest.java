package dev.hubbub.core.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.auth.TokenVerifier;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** API-key (basic) authentication and the identity it yields. */
class KeyAuthenticationTest {
    private static final String SECRET = "s3cret";
    private final ApiKey key = new ApiKey("app1.keyA", SECRET, Capability.parse("{\"chat:*\":[\"publish\",\"subscribe\"]}").value());
    private final Authenticator authenticator = new Authenticator(new KeyStore(List.of(key)), TokenVerifier.NONE,
            Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC));

    private static void assertRejected(ErrorCode expected, Outcome<?> outcome) {
        assertFalse(outcome.isOk(), () -> "expected " + expected + " but got " + outcome);
        assertEquals(expected.code(), outcome.error().code(), outcome.error().message());
        assertEquals(expected.statusCode(), outcome.error().statusCode());
    }

    @Test
    void keyWithClientIdIsIdentified() {
        Outcome<Principal> p = authenticator.authenticateKey("app1.keyA:" + SECRET, "alice");
        assertEquals(ClientIdentity.identified("alice"), p.value().identity());
        assertEquals("alice", p.value().identity().wireClientId());
        assertEquals("app1", p.value().appId());
        assertEquals("app1.keyA", p.value().keyName());
        assertEquals(Principal.CredentialKind.BASIC, p.value().credentialKind());
        assertEquals(key.capability(), p.value().capability());
        assertEquals(Long.MAX_VALUE, p.value().expiresAt());
    }

    @Test
    void keyAloneIsWildcard() {
        Outcome<Principal> p = authenticator.authenticateKey("app1.keyA:" + SECRET, null);
        assertEquals(ClientIdentity.Kind.WILDCARD, p.value().identity().kind());
        assertEquals("*", p.value().identity().wireClientId());
        assertNull(p.value().identity().clientId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", ""})
    void wildcardOrEmptyClientIdIsInvalid(String claimed) {
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authenticator.authenticateKey("app1.keyA:" + SECRET, claimed));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bob\nINFO forged log line", "bob\r", "nul\u0000"})
    void clientIdWithControlCharactersIsInvalid(String claimed) {
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authenticator.authenticateKey("app1.keyA:" + SECRET, claimed));
    }

    @Test
    void overlongClientIdIsInvalid() {
        String tooLong = "a".repeat(ClientIdentity.MAX_CLIENT_ID_LENGTH + 1);
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authenticator.authenticateKey("app1.keyA:" + SECRET, tooLong));
        // the longest allowed one is fine
        String longest = "a".repeat(ClientIdentity.MAX_CLIENT_ID_LENGTH);
        assertEquals(longest, authenticator.authenticateKey("app1.keyA:" + SECRET, longest).value().identity().clientId());
    }

    @Test
    void wrongSecretFailsAuthentication() {
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authenticator.authenticateKey("app1.keyA:wrong", "alice"));
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authenticator.authenticateKey("app1.keyA:" + SECRET + "x", null));
    }

    @Test
    void unknownKeyFailsAuthentication() {
        Outcome<Principal> out = authenticator.authenticateKey("app1.nokey:" + SECRET, null);
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, out);
        assertEquals(401, out.error().statusCode());
    }

    @ParameterizedTest
    @ValueSource(strings = {"app1.keyA", "app1.keyA:", ":" + SECRET, "no-colon-at-all"})
    void malformedKeyIsAnInvalidCredential(String fullKey) {
        assertRejected(ErrorCode.INVALID_CREDENTIAL, authenticator.authenticateKey(fullKey, null));
    }

    @Test
    void missingKeyIsAnInvalidCredential() {
        assertRejected(ErrorCode.INVALID_CREDENTIAL, authenticator.authenticateKey((String) null, null));
    }

    @Test
    void errorsNeverContainTheSecret() {
        Outcome<Principal> out = authenticator.authenticateKey("app1.keyA:" + SECRET + "typo", null);
        assertFalse(out.error().message().contains(SECRET), out.error().message());
    }
}
