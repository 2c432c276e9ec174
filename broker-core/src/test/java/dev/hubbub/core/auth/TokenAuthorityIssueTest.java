package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenAuthorityIssueTest {
    static final long T0 = 1_700_000_000_000L;
    static final String KEY_A_CAPABILITY = "{\"chat:*\":[\"presence\",\"publish\",\"subscribe\"],\"news\":[\"subscribe\"]}";

    private final ApiKey keyA = new ApiKey("app1.keyA", "secretA", Capability.parse(KEY_A_CAPABILITY).value());
    private final ApiKey keyB = new ApiKey("app1.keyB", "secretB", Capability.ALL);
    private final ManualClock clock = new ManualClock(T0);
    private final TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(keyA, keyB)), clock);
    private final TokenRequestSigner signer = new TokenRequestSigner(clock);

    private TokenRequest signed(ApiKey key, TokenParams params) { return signer.create(key, params).value(); }

    private static void assertRejected(ErrorCode expected, Outcome<?> outcome) {
        assertTrue(!outcome.isOk(), () -> "expected " + expected + " but got " + outcome);
        assertEquals(expected.code(), outcome.error().code(), outcome.error().message());
        assertEquals(expected.statusCode(), outcome.error().statusCode());
    }

    @Test
    void signedRequestIsExchangedForATokenWithTheDefaults() {
        TokenDetails details = authority.issue(signed(keyA, TokenParams.forClientId("Bob"))).value();
        assertEquals("app1.keyA", details.keyName());
        assertEquals("Bob", details.clientId());
        assertEquals(T0, details.issued());
        assertEquals(Duration.ofMinutes(60).toMillis(), details.expires() - details.issued());
        assertEquals(KEY_A_CAPABILITY, details.capability());
        assertTrue(details.token().startsWith("hb1."));
        assertTrue(!details.token().contains("secretA") && !details.toString().contains(details.token()));
    }

    @Test
    void requestedTtlIsHonoured() {
        TokenDetails details = authority.issue(signed(keyA, TokenParams.DEFAULTS.withTtl(123L))).value();
        assertEquals(123, details.expires() - details.issued());
        TokenDetails longest = authority.issue(signed(keyA, TokenParams.DEFAULTS.withTtl(Duration.ofHours(24).toMillis()))).value();
        assertEquals(Duration.ofHours(24).toMillis(), longest.expires() - longest.issued());
    }

    @Test
    void unknownKeyIsAuthenticationFailed() {
        ApiKey stranger = new ApiKey("app1.keyZ", "secretZ", Capability.ALL);
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authority.issue(signed(stranger, TokenParams.DEFAULTS)));
        TokenRequest noName = signed(keyA, TokenParams.DEFAULTS);
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authority.issue(new TokenRequest(null, null, null, null,
                noName.timestamp(), noName.nonce(), noName.mac())));
    }

    @Test
    void tamperedOrMissingMacIsAuthenticationFailed() {
        TokenRequest good = signed(keyA, TokenParams.forClientId("Bob"));
        char first = good.mac().charAt(0);
        String flipped = (first == 'A' ? 'B' : 'A') + good.mac().substring(1);
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authority.issue(good.withMac(flipped)));
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authority.issue(good.withMac(null)));
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authority.issue(good.withMac("")));
        // a request signed by keyB but naming keyA
        TokenRequest byB = signed(keyB, TokenParams.forClientId("Bob"));
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authority.issue(new TokenRequest("app1.keyA", byB.ttl(),
                byB.capability(), byB.clientId(), byB.timestamp(), byB.nonce(), byB.mac())));
        // raising the clientId after signing
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authority.issue(new TokenRequest(good.keyName(), good.ttl(),
                good.capability(), "*", good.timestamp(), good.nonce(), good.mac())));
    }

    @Test
    void timestampMoreThanTwoMinutesOldIsNotCurrent() {
        TokenRequest atEdge = signed(keyA, TokenParams.DEFAULTS);
        TokenRequest stale = signed(keyA, TokenParams.DEFAULTS);
        clock.advance(Duration.ofMinutes(2));
        assertTrue(authority.issue(atEdge).isOk());
        clock.advance(Duration.ofMillis(1));
        assertRejected(ErrorCode.TIMESTAMP_NOT_CURRENT, authority.issue(stale));
        clock.advance(Duration.ofMinutes(30));
        assertRejected(ErrorCode.TIMESTAMP_NOT_CURRENT, authority.issue(signed(keyA, new TokenParams(null, null, null, T0, null))));
    }

    @Test
    void timestampMoreThanTwoMinutesAheadIsNotCurrent() {
        long ahead = T0 + Duration.ofMinutes(2).toMillis();
        assertTrue(authority.issue(signed(keyA, new TokenParams(null, null, null, ahead, null))).isOk());
        assertRejected(ErrorCode.TIMESTAMP_NOT_CURRENT,
                authority.issue(signed(keyA, new TokenParams(null, null, null, ahead + 1, null))));
        assertRejected(ErrorCode.TIMESTAMP_NOT_CURRENT,
                authority.issue(signed(keyA, new TokenParams(null, null, null, Long.MIN_VALUE, null))));
        assertRejected(ErrorCode.TIMESTAMP_NOT_CURRENT,
                authority.issue(signed(keyA, new TokenParams(null, null, null, Long.MAX_VALUE, null))));
    }

    @Test
    void replayedNonceIsRejected() {
        TokenRequest request = signed(keyA, TokenParams.forClientId("Bob"));
        assertTrue(authority.issue(request).isOk());
        assertRejected(ErrorCode.NONCE_REPLAYED, authority.issue(request));
        clock.advance(Duration.ofSeconds(90));
        assertRejected(ErrorCode.NONCE_REPLAYED, authority.issue(request));
        // the same nonce under another key is a different request
        TokenRequest sameNonceOtherKey = signed(keyB, new TokenParams(null, null, null, null, request.nonce()));
        assertTrue(authority.issue(sameNonceOtherKey).isOk());
    }

    @Test
    void anotherKeysFloodOfRequestsCannotPushANonceOutOfTheReplayStore() {
        TokenSettings d = TokenSettings.DEFAULTS;
        TokenAuthority small = new TokenAuthority(new KeyStore(List.of(keyA, keyB)), clock,
                new TokenSettings(d.defaultTtl(), d.maxTtl(), d.timestampWindow(), 16, d.verifiedCacheSize()));
        TokenRequest alice = signed(keyA, TokenParams.forClientId("alice"));
        assertTrue(small.issue(alice).isOk());
        for (int i = 0; i < 16; i++) { // another app fills its own store...
            assertTrue(small.issue(signed(keyB, TokenParams.DEFAULTS)).isOk());
        }
        for (int i = 0; i < 100; i++) { // ...and is refused beyond it (fail closed), whatever it sends
            assertRejected(ErrorCode.RATE_LIMITED, small.issue(signed(keyB, TokenParams.DEFAULTS)));
        }
        assertRejected(ErrorCode.NONCE_REPLAYED, small.issue(alice));
        assertTrue(small.issue(signed(keyA, TokenParams.forClientId("alice"))).isOk(), "this key's own store has room");
    }

    @Test
    void nonceIsRecordedOnlyOnceTheMacIsValid() {
        TokenRequest request = signed(keyA, TokenParams.DEFAULTS);
        assertRejected(ErrorCode.AUTHENTICATION_FAILED, authority.issue(request.withMac("AAAA" + request.mac().substring(4))));
        assertTrue(authority.issue(request).isOk());
    }

    @Test
    void missingTimestampOrShortNonceIsBadRequest() {
        TokenRequest noTimestamp = new TokenRequest("app1.keyA", null, null, null, null, "0123456789abcdef", null);
        assertRejected(ErrorCode.BAD_REQUEST, authority.issue(noTimestamp.withMac(TokenRequestSigner.mac(keyA, noTimestamp))));
        TokenRequest shortNonce = new TokenRequest("app1.keyA", null, null, null, T0, "abc", null);
        assertRejected(ErrorCode.BAD_REQUEST, authority.issue(shortNonce.withMac(TokenRequestSigner.mac(keyA, shortNonce))));
    }

    @Test
    void newlinesCannotShiftSignedFields() {
        // an auth server (not ours: ours refuses) signed a user-chosen clientId "{...}\nadmin" with no
        // capability; re-splitting the same text gives capability "\n{...}" and clientId "admin"
        String chosen = "{\"*\":[\"*\"]}\nadmin";
        TokenRequest signedByAuthServer = new TokenRequest("app1.keyA", null, null, chosen, T0, signer.newNonce(), null);
        signedByAuthServer = signedByAuthServer.withMac(TokenRequestSigner.mac(keyA, signedByAuthServer));
        TokenRequest shifted = new TokenRequest("app1.keyA", null, "\n{\"*\":[\"*\"]}", "admin", T0,
                signedByAuthServer.nonce(), signedByAuthServer.mac());
        assertEquals(TokenRequestSigner.macText(signedByAuthServer), TokenRequestSigner.macText(shifted));
        assertTrue(TokenRequestSigner.verify(keyA, shifted));
        assertRejected(ErrorCode.BAD_REQUEST, authority.issue(shifted));
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authority.issue(signedByAuthServer));
        TokenRequest newlineNonce = new TokenRequest("app1.keyA", null, null, null, T0, "0123456789abcdef\nx", null);
        assertRejected(ErrorCode.BAD_REQUEST, authority.issue(newlineNonce.withMac(TokenRequestSigner.mac(keyA, newlineNonce))));
        assertEquals(ErrorCode.INVALID_CLIENT_ID.code(), signer.create(keyA, TokenParams.forClientId(chosen)).error().code());
    }

    @Test
    void ttlOutOfRangeIsInvalidParameter() {
        for (long ttl : new long[] {0, -1, Duration.ofHours(24).toMillis() + 1, Long.MAX_VALUE}) {
            TokenRequest unsigned = new TokenRequest("app1.keyA", ttl, null, null, T0, signer.newNonce(), null);
            Outcome<TokenDetails> result = authority.issue(unsigned.withMac(TokenRequestSigner.mac(keyA, unsigned)));
            assertRejected(ErrorCode.INVALID_PARAMETER, result);
            assertEquals("Invalid value for ttl", result.error().message());
            assertRejected(ErrorCode.INVALID_PARAMETER, authority.issue(keyA, TokenParams.DEFAULTS.withTtl(ttl)));
        }
    }

    @Test
    void capabilityIsTheKeysWhenAbsentAndTheIntersectionWhenGiven() {
        assertEquals(KEY_A_CAPABILITY, authority.issue(signed(keyA, TokenParams.DEFAULTS)).value().capability());
        TokenDetails narrowed = authority.issue(signed(keyA,
                TokenParams.DEFAULTS.withCapability("{\"chat:room\":[\"publish\",\"history\"],\"*\":[\"subscribe\"]}"))).value();
        assertEquals("{\"chat:*\":[\"subscribe\"],\"chat:room\":[\"publish\"],\"news\":[\"subscribe\"]}", narrowed.capability());
        assertRejected(ErrorCode.CAPABILITY_DENIED, authority.issue(signed(keyA,
                TokenParams.DEFAULTS.withCapability("{\"secret\":[\"subscribe\"]}"))));
    }

    @Test
    void capabilityIsVerifiedAsReceivedAndRejectedWhenNotJson() {
        TokenRequest unsigned = new TokenRequest("app1.keyA", null, "{not json", null, T0, signer.newNonce(), null);
        assertRejected(ErrorCode.BAD_REQUEST, authority.issue(unsigned.withMac(TokenRequestSigner.mac(keyA, unsigned))));
        // non-canonical text signed as sent is accepted: the mac covers the received string
        TokenRequest spaced = new TokenRequest("app1.keyA", null, "{ \"news\" : [\"subscribe\"] }", null, T0, signer.newNonce(), null);
        assertEquals("{\"news\":[\"subscribe\"]}",
                authority.issue(spaced.withMac(TokenRequestSigner.mac(keyA, spaced))).value().capability());
    }

    @Test
    void clientIdRules() {
        TokenRequest empty = new TokenRequest("app1.keyA", null, null, "", T0, signer.newNonce(), null);
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authority.issue(empty.withMac(TokenRequestSigner.mac(keyA, empty))));
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authority.issue(keyA, TokenParams.forClientId("")));
        assertEquals("*", authority.issue(signed(keyA, TokenParams.forClientId("*"))).value().clientId());
        assertNull(authority.issue(signed(keyA, TokenParams.DEFAULTS)).value().clientId());
    }

    @Test
    void basicAuthIssueAppliesTheSameRulesWithoutAMac() {
        TokenDetails details = authority.issue(keyA, new TokenParams(5000L, "{\"news\":[\"*\"]}", "Alice", null, null)).value();
        assertEquals("Alice", details.clientId());
        assertEquals(5000, details.expires() - details.issued());
        assertEquals("{\"news\":[\"subscribe\"]}", details.capability());
        TokenDetails defaults = authority.issue(keyA, null).value();
        assertEquals(Duration.ofMinutes(60).toMillis(), defaults.expires() - defaults.issued());
        assertRejected(ErrorCode.CAPABILITY_DENIED, authority.issue(keyA, TokenParams.DEFAULTS.withCapability("{\"x\":[\"publish\"]}")));
    }

    @Test
    void settingsChangeTheLimits() {
        TokenSettings tight = new TokenSettings(Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofSeconds(10), 10, 10);
        TokenAuthority strict = new TokenAuthority(new KeyStore(List.of(keyA)), clock, tight);
        TokenDetails details = strict.issue(keyA, TokenParams.DEFAULTS).value();
        assertEquals(Duration.ofMinutes(5).toMillis(), details.expires() - details.issued());
        assertRejected(ErrorCode.INVALID_PARAMETER, strict.issue(keyA, TokenParams.DEFAULTS.withTtl(Duration.ofMinutes(11).toMillis())));
        TokenRequest request = signed(keyA, TokenParams.DEFAULTS);
        clock.advance(Duration.ofSeconds(11));
        assertRejected(ErrorCode.TIMESTAMP_NOT_CURRENT, strict.issue(request));
    }

    // Rule: a token's clientId must be valid text (no unpaired surrogate, control character or U+FFFE/U+FFFF):
    // 40012 from a signed TokenRequest and from TokenParams (Basic-auth requestToken) alike.
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"a\uD800b", "end\uDBFF", "\uDC00start", "lo\uDFFFhi", "x\u0000y", "tab\tid", "del\u007F", "non\uFFFE", "non\uFFFF"})
    void clientIdsThatAreNotValidTextAreRefused(String bad) {
        TokenRequest request = new TokenRequest("app1.keyA", null, null, bad, T0, signer.newNonce(), null);
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authority.issue(request.withMac(TokenRequestSigner.mac(keyA, request))));
        assertRejected(ErrorCode.INVALID_CLIENT_ID, authority.issue(keyA, TokenParams.forClientId(bad)));
        assertEquals("a\uD83D\uDE00", authority.issue(keyA, TokenParams.forClientId("a\uD83D\uDE00")).value().clientId());
    }
}
