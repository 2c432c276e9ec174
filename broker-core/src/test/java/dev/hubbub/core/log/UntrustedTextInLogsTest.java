package dev.hubbub.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenRequest;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.RecordingLogs;
import dev.hubbub.testkit.RecordingTransport;
import dev.hubbub.testkit.TestCore;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What reaches the log (through the real SLF4J calls, captured by {@link RecordingLogs}) and what a
 * refused client is told: a key whose name and secret were swapped never shows its secret, and a
 * client's text can neither forge a line nor fill the log.
 */
class UntrustedTextInLogsTest {
    private static final String SECRET = "SECRETXYZ";
    private final ApiKey key = new ApiKey("dev.local", "the-real-secret", Capability.ALL);
    private final TestCore core = TestCore.builder().key(key).build();

    @BeforeAll
    static void logsAreRecorded() {
        assertTrue(RecordingLogs.active(), "broker-core's tests must run with -Dslf4j.provider=dev.hubbub.testkit.RecordingLogs"
                + " (set in broker-core/pom.xml), or this test would see no log line at all");
    }

    // Rule: a key written the wrong way round (secret:name) is refused without its "name", the secret, in the
    // error the client gets or in any log line.
    @Test
    void aSwappedKeyOnConnectNeverShowsTheSecret() {
        RecordingTransport transport = new RecordingTransport();
        String text;
        try (RecordingLogs.Capture logs = RecordingLogs.capture()) {
            assertNull(core.connector.connect(
                    new ConnectRequest(SECRET + ":dev.local", null, null, "json", "6", true, null, null, "test"), transport));
            text = logs.text();
        }
        assertTrue(text.contains("connect_refused " + ErrorCode.AUTHENTICATION_FAILED.code()), text); // the line was written
        assertFalse(text.contains(SECRET), text);
        String told = transport.closedWith().error().message();
        assertEquals(ErrorCode.AUTHENTICATION_FAILED.code(), transport.closedWith().error().code());
        assertFalse(told.contains(SECRET), told);
        assertFalse(core.authenticator.authenticateKey(SECRET + ":dev.local", null).error().message().contains(SECRET));
        assertFalse(new ConnectRequest(SECRET + ":dev.local", null, null, "json", "6", true, null, null, "test").toString()
                .contains(SECRET), "a connect request is safe to log");
    }

    @Test
    void aKnownKeyWithTheWrongSecretIsRefusedTheSameWay() {
        String unknown = core.authenticator.authenticateKey(SECRET + ":dev.local", null).error().message();
        String wrong = core.authenticator.authenticateKey("dev.local:" + SECRET, null).error().message();
        assertEquals(unknown, wrong, "one answer: nothing is learned by probing names");
    }

    // Rule: a TokenRequest naming no configured key is logged as <unknown key>, whatever the name looks like
    // (well formed included: a secret may well contain one dot).
    @Test
    void aTokenRequestForAnUnknownKeyNeverLogsItsName() {
        TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(key)), new ManualClock(1_700_000_000_000L));
        for (String name : List.of(SECRET, SECRET + ".dev")) {
            TokenRequest request = new TokenRequest(name, null, null, null, 1_700_000_000_000L, "0123456789abcdef", "mac");
            String text;
            Outcome<?> refused;
            try (RecordingLogs.Capture logs = RecordingLogs.capture()) {
                refused = authority.issue(request);
                text = logs.text();
            }
            assertEquals(ErrorCode.AUTHENTICATION_FAILED.code(), refused.error().code());
            assertTrue(text.contains("token request rejected: key=<unknown key>"), text);
            assertFalse(text.contains(SECRET), text);
            assertFalse(refused.error().message().contains(SECRET), refused.error().message());
            assertFalse(request.toString().contains(SECRET), "a TokenRequest is safe to log");
        }
    }

    // Rule: a clientId with a line break is logged escaped, on the line it belongs to.
    @Test
    void aClientIdWithALineBreakCannotForgeALogLine() {
        String forged = "a\r\nINFO forged";
        String text = rejectedClaimLog(forged);
        assertTrue(text.contains("claimed='a\\r\\nINFO forged'"), text);
        assertFalse(text.contains("\r") || text.contains("\n"), text);
    }

    // Rule: a rejected 300,000-character clientId is logged cut to the budget, with its length.
    @Test
    void aHugeClientIdIsTruncatedWithItsLength() {
        String text = rejectedClaimLog("x".repeat(300_000));
        assertTrue(text.contains("x".repeat(LogText.BUDGET) + "...[300000 chars]'"), text.substring(0, Math.min(400, text.length())));
        assertTrue(text.length() < 1_000, "the line is " + text.length() + " characters long");
    }

    // Rule: a refused connect that quotes what the client sent (here its protocol version) logs it escaped.
    @Test
    void aRefusalQuotingClientTextLogsItEscaped() {
        RecordingTransport transport = new RecordingTransport();
        String text;
        try (RecordingLogs.Capture logs = RecordingLogs.capture()) {
            core.connector.connect(new ConnectRequest("dev.local:the-real-secret", null, null, "json", "6\nINFO forged", true,
                    null, null, "test"), transport);
            text = String.join("|", logs.lines().stream().filter(l -> l.contains("connect_refused")).toList());
        }
        assertTrue(text.contains("version 6\\nINFO forged"), text);
        assertFalse(text.contains("\n"), text);
    }

    /** The log lines of a message whose claimed clientId the identity gate rejects (the key's connections are wildcard). */
    private String rejectedClaimLog(String claimed) {
        try (RecordingLogs.Capture logs = RecordingLogs.capture()) {
            Outcome<List<Message>> admitted = core.gate.admitMessages("conn=test", ClientIdentity.WILDCARD,
                    List.of(Message.of("greeting", "hi").withClientId(claimed)));
            assertFalse(admitted.isOk());
            List<String> lines = logs.lines().stream().filter(l -> l.contains("rejected clientId claim")).toList();
            assertEquals(1, lines.size(), lines::toString);
            return lines.get(0);
        }
    }
}
