package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.testkit.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The nonce seam: the local store's answers, and TokenAuthority refusing what a store cannot vouch for. */
class NonceStoreTest {
    private static final long T0 = 1_700_000_000_000L;

    private final ManualClock clock = new ManualClock(T0);
    private final ApiKey key = new ApiKey("app1.keyA", "secretA", Capability.ALL);
    private final TokenRequestSigner signer = new TokenRequestSigner(clock);

    @Test
    void aNonceIsFirstUsedOnceForItsTimeAndPerKey() {
        LocalNonceStore store = new LocalNonceStore(clock, 100);
        assertTrue(store.firstUse("app1.keyA", "0123456789abcdef", 1_000).value());
        assertFalse(store.firstUse("app1.keyA", "0123456789abcdef", 1_000).value());
        assertTrue(store.firstUse("app1.keyB", "0123456789abcdef", 1_000).value(), "another key's nonces are its own");
        clock.advance(Duration.ofMillis(999));
        assertFalse(store.firstUse("app1.keyA", "0123456789abcdef", 1_000).value());
        clock.advance(Duration.ofMillis(1));
        assertTrue(store.firstUse("app1.keyA", "0123456789abcdef", 1_000).value(), "forgotten once its time is over");
    }

    @Test
    void aFullStoreRefusesNewRequestsRatherThanForgettingANonceThatCouldBeReplayed() {
        LocalNonceStore store = new LocalNonceStore(clock, 3);
        for (int i = 0; i < 3; i++) {
            assertTrue(store.firstUse("app1.keyA", "nonce-number-000" + i, 1_000).value());
        }
        var refused = store.firstUse("app1.keyA", "nonce-number-0003", 1_000);
        assertFalse(refused.isOk(), "full: refused, not accepted by forgetting an older nonce");
        assertEquals(ErrorCode.RATE_LIMITED.code(), refused.error().code());
        for (int i = 0; i < 3; i++) {
            assertFalse(store.firstUse("app1.keyA", "nonce-number-000" + i, 1_000).value(), "every replay still caught");
        }
        assertTrue(store.firstUse("app1.keyB", "nonce-number-0003", 1_000).value(), "another key has its own room");
        clock.advance(java.time.Duration.ofMillis(1_001));
        assertTrue(store.firstUse("app1.keyA", "nonce-number-0003", 1_000).value(), "room again once entries expire");
    }

    @Test
    void theAuthorityRemembersANonceForTwiceTheTimestampWindow() {
        List<Long> asked = new ArrayList<>();
        NonceStore recording = (keyName, nonce, rememberMillis) -> {
            asked.add(rememberMillis);
            return Outcome.ok(true);
        };
        TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(key)), clock, TokenSettings.DEFAULTS, recording);
        assertTrue(authority.issue(signer.create(key, TokenParams.DEFAULTS).value()).isOk());
        assertEquals(List.of(Duration.ofMinutes(4).toMillis()), asked);
    }

    @Test
    void aStoreThatCannotAnswerRefusesTheRequestWithItsError() {
        for (ErrorCode code : List.of(ErrorCode.CLUSTER_UNREACHABLE, ErrorCode.TIMEOUT)) {
            NonceStore down = (keyName, nonce, rememberMillis) -> Outcome.fail(code.info("storage down"));
            TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(key)), clock, TokenSettings.DEFAULTS, down);
            Outcome<TokenDetails> issued = authority.issue(signer.create(key, TokenParams.DEFAULTS).value());
            assertFalse(issued.isOk(), "fail closed");
            assertEquals(code.code(), issued.error().code());
        }
    }

    @Test
    void aReplayTheStoreReportsIsNonceReplayed() {
        NonceStore seen = (keyName, nonce, rememberMillis) -> Outcome.ok(false);
        TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(key)), clock, TokenSettings.DEFAULTS, seen);
        Outcome<TokenDetails> issued = authority.issue(signer.create(key, TokenParams.DEFAULTS).value());
        assertEquals(ErrorCode.NONCE_REPLAYED.code(), issued.error().code());
    }
}
