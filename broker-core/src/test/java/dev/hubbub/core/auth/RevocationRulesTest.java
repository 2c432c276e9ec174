package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Revocation rules as verification enforces them, with a hand-driven clock: which tokens a rule
 * names (issuedBefore, inclusive; clientId, revocation key, channel; per key), when it applies
 * (at once, or 30 s later with allowReauthMargin), that a cached verification is no way around it,
 * and when it is forgotten. JWTs are named by their iat and claims.
 */
class RevocationRulesTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = Duration.ofHours(1).toMillis();

    private final ApiKey key = new ApiKey("app1.k", "secret", Capability.ALL);
    private final ApiKey otherKey = new ApiKey("app1.other", "other-secret", Capability.ALL);
    private final ManualClock clock = new ManualClock(T0);
    private final TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(key, otherKey)), clock);
    private final TokenRevocations revocations = authority.revocations();

    private String token(ApiKey k, String clientId) { return authority.issue(k, TokenParams.forClientId(clientId)).value().token(); }

    private String jwt(String clientId, long iatSeconds, String revocationKey) {
        var b = JWT.create().withKeyId(key.name()).withClaim("iat", iatSeconds).withClaim("exp", iatSeconds + 3600)
                .withClaim("x-ably-clientId", clientId);
        if (revocationKey != null) {
            b.withClaim("x-ably-revocation-key", revocationKey);
        }
        return b.sign(Algorithm.HMAC256("secret"));
    }

    private List<TokenRevocations.TargetResult> revoke(String keyName, Long issuedBefore, boolean margin, String... targets) {
        Outcome<List<TokenRevocations.TargetResult>> r = revocations.revoke(keyName, List.of(targets), issuedBefore, margin)
                .toCompletableFuture().join();
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
        return r.value();
    }

    private void assertRevoked(String token) {
        Outcome<TokenClaims> v = authority.verify(token);
        assertFalse(v.isOk(), "the token still verifies");
        assertEquals(ErrorCode.TOKEN_REVOKED.code(), v.error().code(), v.error().message());
        assertEquals(401, v.error().statusCode());
    }

    private void assertValid(String token) {
        Outcome<TokenClaims> v = authority.verify(token);
        assertTrue(v.isOk(), () -> "refused: " + v.error());
    }

    @Test
    void tokensIssuedAtOrBeforeIssuedBeforeAreRevokedAndLaterOnesAreNot() {
        String atBoundary = token(key, "bob");
        clock.advance(Duration.ofMillis(1));
        String later = token(key, "bob");
        List<TokenRevocations.TargetResult> results = revoke(key.name(), T0, false, "clientId:bob");
        assertEquals(1, results.size());
        RevocationRule rule = results.get(0).rule();
        assertEquals(T0, rule.issuedBefore());
        assertEquals(T0 + 1, rule.appliesAt(), "applies at once: now");
        assertRevoked(atBoundary);
        assertValid(later);
    }

    @Test
    void issuedBeforeDefaultsToNowSoAReauthenticatedClientWorks() {
        String old = token(key, "bob");
        clock.advance(Duration.ofSeconds(5));
        revoke(key.name(), null, false, "clientId:bob");
        assertRevoked(old);
        clock.advance(Duration.ofMillis(1));
        assertValid(token(key, "bob"));
    }

    @Test
    void onlyTheNamedClientIdOfTheRevokingKeyIsRevoked() {
        String bob = token(key, "bob");
        String carol = token(key, "carol");
        String wildcard = token(key, "*");
        String anonymous = authority.issue(key, TokenParams.DEFAULTS).value().token();
        String bobOfOtherKey = token(otherKey, "bob");
        revoke(key.name(), null, false, "clientId:bob");
        assertRevoked(bob);
        assertValid(carol);
        assertValid(wildcard);
        assertValid(anonymous);
        assertValid(bobOfOtherKey);
        assertTrue(authority.verify(authority.issue(key, TokenParams.forClientId("Bob")).value().token()).isOk(), "case-sensitive");
    }

    @Test
    void aCachedVerificationIsNoWayAroundARevocation() {
        String bob = token(key, "bob");
        assertValid(bob);
        assertValid(bob); // now cached
        revoke(key.name(), null, false, "clientId:bob");
        assertRevoked(bob);
    }

    @Test
    void allowReauthMarginPostponesEnforcementBy30Seconds() {
        String bob = token(key, "bob");
        RevocationRule rule = revoke(key.name(), null, true, "clientId:bob").get(0).rule();
        assertEquals(T0 + 30_000, rule.appliesAt());
        assertEquals(T0, rule.issuedBefore());
        clock.advance(Duration.ofMillis(29_999));
        assertValid(bob);
        clock.advance(Duration.ofMillis(1));
        assertRevoked(bob);
    }

    @Test
    void aRuleIsKeptForTheLongestTokenLifetimeThenForgotten() {
        String bob = authority.issue(key, TokenParams.forClientId("bob").withTtl(Duration.ofHours(24).toMillis())).value().token();
        revoke(key.name(), null, false, "clientId:bob");
        RevocationRule rule = revocations.rules().get(0);
        long keep = 24 * HOUR + TokenSettings.DEFAULTS.timestampWindow().toMillis(); // a JWT issuer's clock may run ahead that much
        assertEquals(T0 + keep, rule.forgetAt(), "issuedBefore + the longest lifetime + the skew allowance");
        clock.set(T0 + keep - 1);
        assertRevoked(bob);
        assertEquals(1, revocations.rules().size());
        clock.set(T0 + keep);
        revocations.purge(clock.millis());
        assertEquals(List.of(), revocations.rules(), "forgotten: every token it named has expired");
        assertFalse(revocations.add(rule), "a forgotten rule learned again late is not kept");
    }

    @Test
    void aLaterRevocationOfTheSameTargetReplacesTheOneItCoversButNotOneThatAppliesSooner() {
        revoke(key.name(), null, false, "clientId:bob");
        clock.advance(Duration.ofMinutes(1));
        revoke(key.name(), null, false, "clientId:bob");
        assertEquals(1, revocations.rules().size(), revocations.rules().toString());
        assertEquals(T0 + 60_000, revocations.rules().get(0).issuedBefore());
        clock.advance(Duration.ofMinutes(1));
        revoke(key.name(), null, true, "clientId:bob"); // applies later: the earlier rule must go on applying meanwhile
        assertEquals(2, revocations.rules().size(), revocations.rules().toString());
    }

    @Test
    void jwtsAreNamedByTheirIatClientIdAndRevocationKey() {
        long nowS = T0 / 1000;
        String bob = jwt("bob", nowS, null);
        String grouped = jwt("dave", nowS, "group1");
        String carol = jwt("carol", nowS, null);
        assertValid(bob);
        revoke(key.name(), null, false, "clientId:bob", "revocationKey:group1");
        assertRevoked(bob);
        assertRevoked(grouped);
        assertValid(carol);
        clock.advance(Duration.ofSeconds(2));
        assertValid(jwt("bob", nowS + 1, null)); // iat after issuedBefore (second resolution)
    }

    @Test
    void aJwtLivingLongerThanAnyTokenMayIsRefused() {
        long nowS = T0 / 1000;
        String forever = JWT.create().withKeyId(key.name()).withClaim("iat", nowS).withClaim("exp", nowS + 24 * 3600 + 1)
                .sign(Algorithm.HMAC256("secret"));
        Outcome<TokenClaims> v = authority.verify(forever);
        assertFalse(v.isOk());
        assertEquals(ErrorCode.INVALID_PARAMETER.code(), v.error().code(), v.error().message());
        assertValid(JWT.create().withKeyId(key.name()).withClaim("iat", nowS).withClaim("exp", nowS + 24 * 3600)
                .sign(Algorithm.HMAC256("secret")));
    }

    @Test
    void ourTokensCarryARevocationKeyWhenIssuedWithOne() {
        String grouped = authority.issue(key, TokenParams.forClientId("erin").withRevocationKey("group1")).value().token();
        String plain = token(key, "frank");
        assertEquals("group1", authority.verify(grouped).value().revocationKey());
        revoke(key.name(), null, false, "revocationKey:group1");
        assertRevoked(grouped);
        assertValid(plain);
        Outcome<TokenDetails> bad = authority.issue(key, TokenParams.DEFAULTS.withRevocationKey(""));
        assertEquals(ErrorCode.INVALID_PARAMETER.code(), bad.error().code());
    }

    @Test
    void aChannelTargetNamesTokensWhoseCapabilityHasExactlyThatResource() {
        String foo = authority.issue(key, TokenParams.forClientId("g").withCapability("{\"foo:*\":[\"*\"]}")).value().token();
        String fooBar = authority.issue(key, TokenParams.forClientId("h").withCapability("{\"foo:bar\":[\"*\"]}")).value().token();
        revoke(key.name(), null, false, "channel:foo:*");
        assertRevoked(foo);
        assertValid(fooBar);
    }

    @Test
    void requestsOutOfBoundsFailAsAWholeAndBadTargetsOnTheirOwn() {
        assertInvalid(revocations.revoke(key.name(), List.of("clientId:bob"), T0 + 1, false).toCompletableFuture().join(), "future");
        assertInvalid(revocations.revoke(key.name(), List.of("clientId:bob"), T0 - HOUR - 1, false).toCompletableFuture().join(),
                "an hour");
        assertInvalid(revocations.revoke(key.name(), List.of(), null, false).toCompletableFuture().join(), "targets");
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= TokenRevocations.MAX_TARGETS; i++) {
            many.add("clientId:c" + i);
        }
        assertInvalid(revocations.revoke(key.name(), many, null, false).toCompletableFuture().join(), "targets");
        assertEquals(List.of(), revocations.rules(), "nothing was revoked");

        List<TokenRevocations.TargetResult> results = revoke(key.name(), T0 - HOUR, false, "clientId:bob", "invalidType:abc",
                "clientId:", "nocolon", "clientId:a\nb");
        assertNotNull(results.get(0).rule());
        for (TokenRevocations.TargetResult r : results.subList(1, results.size())) {
            assertNull(r.rule(), r.target());
            assertEquals(ErrorCode.INVALID_PARAMETER.code(), r.error().code(), r.target());
            assertEquals(400, r.error().statusCode());
        }
        assertTrue(results.get(1).error().message().contains("invalidType"), results.get(1).error().message());
        assertEquals(1, revocations.rules().size());
    }

    private static void assertInvalid(Outcome<?> outcome, String mentioned) {
        assertFalse(outcome.isOk());
        assertEquals(ErrorCode.INVALID_PARAMETER.code(), outcome.error().code());
        assertTrue(outcome.error().message().contains(mentioned), outcome.error().message());
    }

    @Test
    void aStoreThatCannotTakeTheRulesFailsTheRequestButThisNodeEnforcesThem() {
        String bob = token(key, "bob");
        List<List<RevocationRule>> shared = new ArrayList<>();
        revocations.shareThrough(rules -> {
            shared.add(rules);
            return CompletableFuture.completedFuture(Outcome.fail(ErrorCode.CLUSTER_UNREACHABLE.info("down")));
        });
        Outcome<List<TokenRevocations.TargetResult>> r = revocations.revoke(key.name(), List.of("clientId:bob"), null, false)
                .toCompletableFuture().join();
        assertFalse(r.isOk());
        assertEquals(ErrorCode.CLUSTER_UNREACHABLE.code(), r.error().code());
        assertEquals(1, shared.size());
        assertRevoked(bob);
    }

    @Test
    void listenersHearOfNewRulesOnly() {
        List<RevocationRule> heard = new ArrayList<>();
        revocations.onRule(heard::add);
        RevocationRule rule = revoke(key.name(), null, false, "clientId:bob").get(0).rule();
        assertEquals(List.of(rule), heard);
        assertFalse(revocations.add(rule), "the same rule again (its own broadcast, say)");
        assertEquals(1, heard.size());
        ErrorInfo none = authority.revocation(authority.verify(token(key, "carol")).value());
        assertNull(none);
    }
}
