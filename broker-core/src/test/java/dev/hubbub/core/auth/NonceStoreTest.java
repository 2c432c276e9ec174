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
        assertTrue(store.firstUse("app1.keyA", "0123456789abcdef", 1_600).value());
        assertFalse(store.firstUse("app1.keyA", "0123456789abcdef", 1_600).value());
        assertTrue(store.firstUse("app1.keyB", "0123456789abcdef", 1_600).value(), "another key's nonces are its own");
        clock.advance(Duration.ofMillis(1_599));
        assertFalse(store.firstUse("app1.keyA", "0123456789abcdef", 1_600).value(), "remembered for all of its time");
        clock.advance(Duration.ofMillis(101)); // a generation is 1,600/16 = 100 ms wide: gone at most that late
        assertTrue(store.firstUse("app1.keyA", "0123456789abcdef", 1_600).value(), "forgotten once its time is over");
    }

    @Test
    void aNonceOutlivesItsTimeByAtMostOneGeneration() {
        for (long start = 0; start < 100; start += 7) {
            ManualClock c = new ManualClock(T0 + start);
            LocalNonceStore store = new LocalNonceStore(c, 100);
            assertTrue(store.firstUse("app1.keyA", "nonce-at-" + start, 1_600).value());
            c.advance(Duration.ofMillis(1_599));
            assertFalse(store.firstUse("app1.keyA", "nonce-at-" + start, 1_600).value(), "start " + start);
            c.advance(Duration.ofMillis(101));
            assertTrue(store.firstUse("app1.keyA", "nonce-at-" + start, 1_600).value(), "start " + start);
        }
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
        clock.advance(Duration.ofMillis(1_000 + 1_000 / 16 + 1));
        assertTrue(store.firstUse("app1.keyA", "nonce-number-0003", 1_000).value(), "room again once entries expire");
        assertEquals(1, store.size("app1.keyA"), "the expired generation's nonces no longer count");
    }

    @Test
    void aBusyKeyKeepsEveryNonceOfItsWindowAndCatchesEveryReplay() {
        // an auth server signing 5,000 requests a second with one key: 250,000 nonces over 50 s, each remembered 240 s
        LocalNonceStore store = new LocalNonceStore(clock, 1_000_000);
        long remember = Duration.ofMinutes(4).toMillis();
        int n = 250_000;
        for (int i = 0; i < n; i++) {
            if (i % 5_000 == 0) {
                clock.advance(Duration.ofSeconds(1));
            }
            assertTrue(store.firstUse("app1.keyA", "auth-server-nonce-" + i, remember).value(), "first use " + i);
        }
        assertEquals(n, store.size("app1.keyA"));
        for (int i = 0; i < n; i += 997) {
            assertFalse(store.firstUse("app1.keyA", "auth-server-nonce-" + i, remember).value(), "replay " + i);
        }
        clock.advance(Duration.ofMillis(remember + remember / 16));
        assertTrue(store.firstUse("app1.keyA", "auth-server-nonce-" + (n - 1), remember).value(), "all expired");
        assertEquals(1, store.size("app1.keyA"), "every generation of the old nonces dropped");
    }

    @Test
    void aShorterRememberTimeAfterALongerOneIsStillCaughtAndExpiresOnItsOwnTime() {
        LocalNonceStore store = new LocalNonceStore(clock, 100);
        assertTrue(store.firstUse("app1.keyA", "long-lived-nonce", 16_000).value());
        assertTrue(store.firstUse("app1.keyA", "short-lived-nonce", 1_600).value());
        assertTrue(store.firstUse("app1.keyA", "middle-lived-nonce", 8_000).value());
        assertFalse(store.firstUse("app1.keyA", "short-lived-nonce", 1_600).value());
        clock.advance(Duration.ofMillis(1_700));
        assertTrue(store.firstUse("app1.keyA", "short-lived-nonce", 1_600).value(), "its own, shorter time is over");
        assertFalse(store.firstUse("app1.keyA", "middle-lived-nonce", 8_000).value());
        assertFalse(store.firstUse("app1.keyA", "long-lived-nonce", 16_000).value(), "the longer one is still held");
    }

    @Test
    void fingerprintsOfDistinctNoncesDoNotCollide() {
        LocalNonceStore store = new LocalNonceStore(clock, 1);
        LocalNonceStore.LongSet seen = new LocalNonceStore.LongSet();
        for (int i = 0; i < 200_000; i++) {
            long f = store.fingerprint(Integer.toString(i, 36) + "0000000000000000");
            assertTrue(f != 0, "0 marks an empty slot");
            assertTrue(seen.add(f), "collision at " + i);
        }
        assertTrue(seen.contains(store.fingerprint("0" + "0000000000000000")));
        assertFalse(seen.contains(store.fingerprint("00" + "0000000000000000")), "one character more is another nonce");
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
