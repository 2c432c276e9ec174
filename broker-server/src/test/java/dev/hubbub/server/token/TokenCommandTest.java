package dev.hubbub.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenClaims;
import dev.hubbub.core.auth.TokenDetails;
import dev.hubbub.core.auth.TokenJson;
import dev.hubbub.core.auth.TokenRequest;
import dev.hubbub.core.auth.TokenRequestSigner;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.server.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The {@code token} subcommand: what it prints is checked with the broker's own verifiers, so a
 * TokenRequest it signs is one the broker accepts and a token it issues is one the broker verifies.
 */
class TokenCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY_NAME = "cli1.main";
    private static final String SECRET = "cli-secret";
    private static final String FULL_KEY = KEY_NAME + ":" + SECRET;

    /** The key as the broker has it configured. */
    private final ApiKey brokerKey = new ApiKey(KEY_NAME, SECRET, Capability.ALL);
    private final TokenAuthority brokerAuthority = new TokenAuthority(new KeyStore(List.of(brokerKey)), Clock.systemUTC());

    private record Run(int exitCode, String out, String err) {
        JsonNode json() throws Exception { return JSON.readTree(out); }
    }

    /** Runs the command line as {@code Main.main} would (Main.commandLine() is package-private: same construction). */
    private static Run run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void printsATokenRequestWhoseMacVerifiesAndThatTheBrokerExchanges() throws Exception {
        long before = System.currentTimeMillis();
        Run run = run("token", "--key", FULL_KEY, "--client-id", "Bob");
        assertEquals(0, run.exitCode(), run.err());

        TokenRequest request = TokenJson.readTokenRequest(run.json()).value();
        assertEquals(KEY_NAME, request.keyName());
        assertEquals("Bob", request.clientId());
        assertNull(request.ttl(), "no --ttl: the broker's default applies");
        assertNull(request.capability());
        assertTrue(request.timestamp() >= before && request.timestamp() <= System.currentTimeMillis() + 1, run.out());
        assertTrue(request.nonce().length() >= 16, request.nonce());
        assertTrue(TokenRequestSigner.verify(brokerKey, request), "mac must verify with the key: " + run.out());
        assertFalse(TokenRequestSigner.verify(new ApiKey(KEY_NAME, "other-secret", Capability.ALL), request),
                "and only with that key");
        assertFalse(run.out().contains(SECRET), "the secret is never printed");

        Outcome<TokenDetails> exchanged = brokerAuthority.issue(request);
        assertTrue(exchanged.isOk(), exchanged::toString);
        assertEquals("Bob", exchanged.value().clientId());
    }

    @Test
    void ttlAndCapabilityAreSignedAsGiven() throws Exception {
        Run run = run("token", "--key", FULL_KEY, "--client-id", "Bob", "--ttl", "60000",
                "--capability", "{\"chat:*\":[\"subscribe\",\"publish\"]}");
        assertEquals(0, run.exitCode(), run.err());
        TokenRequest request = TokenJson.readTokenRequest(run.json()).value();
        assertEquals(60_000L, request.ttl());
        assertEquals("{\"chat:*\":[\"publish\",\"subscribe\"]}", request.capability(), "canonicalised as the SDKs do");
        assertTrue(TokenRequestSigner.verify(brokerKey, request));
        TokenDetails details = brokerAuthority.issue(request).value();
        assertEquals(60_000, details.expires() - details.issued());
    }

    @Test
    void issuePrintsATokenTheBrokerVerifies() throws Exception {
        Run run = run("token", "--key", FULL_KEY, "--client-id", "Bob", "--issue");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode details = run.json();
        assertEquals(KEY_NAME, details.path("keyName").asText());
        assertEquals("Bob", details.path("clientId").asText());
        assertEquals(3_600_000, details.path("expires").asLong() - details.path("issued").asLong());

        Outcome<TokenClaims> claims = brokerAuthority.verify(details.path("token").asText());
        assertTrue(claims.isOk(), claims::toString);
        assertEquals("Bob", claims.value().clientId());
        assertEquals(KEY_NAME, claims.value().keyName());
        assertTrue(claims.value().expires() > System.currentTimeMillis());

        ApiKey wrongSecret = new ApiKey(KEY_NAME, "other-secret", Capability.ALL);
        Outcome<TokenClaims> forged = new TokenAuthority(new KeyStore(List.of(wrongSecret)), Clock.systemUTC())
                .verify(details.path("token").asText());
        assertFalse(forged.isOk(), "a broker with another secret for the key must not accept it");
    }

    @Test
    void issueWithWildcardOrNoClientId() throws Exception {
        JsonNode wildcard = run("token", "--key", FULL_KEY, "--client-id", "*", "--issue").json();
        assertEquals("*", wildcard.path("clientId").asText());
        assertEquals("*", brokerAuthority.verify(wildcard.path("token").asText()).value().clientId());

        JsonNode anonymous = run("token", "--key", FULL_KEY, "--issue", "--ttl", "120000").json();
        assertFalse(anonymous.has("clientId"), anonymous::toString);
        assertNull(brokerAuthority.verify(anonymous.path("token").asText()).value().clientId());
        assertEquals(120_000, anonymous.path("expires").asLong() - anonymous.path("issued").asLong());
    }

    @Test
    void badInputFailsWithAMessageAndNothingOnStdout() {
        Run badKey = run("token", "--key", "no-colon-here", "--client-id", "Bob");
        assertEquals(1, badKey.exitCode());
        assertTrue(badKey.err().contains("token:"), badKey.err());
        assertEquals("", badKey.out());

        Run badCapability = run("token", "--key", FULL_KEY, "--capability", "{not json");
        assertEquals(1, badCapability.exitCode());
        assertEquals("", badCapability.out());

        Run badTtl = run("token", "--key", FULL_KEY, "--issue", "--ttl", "0");
        assertEquals(1, badTtl.exitCode());
        assertTrue(badTtl.err().contains("40003"), badTtl.err());

        Run missingKey = run("token", "--client-id", "Bob");
        assertEquals(2, missingKey.exitCode(), "picocli usage error");
    }

    @Test
    void clientIdPatternIssuesAWildcardTokenLimitedToIt() throws Exception {
        Run run = run("token", "--key", FULL_KEY, "--client-id", "*", "--client-id-pattern", "support:*", "--issue");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode details = run.json();
        assertEquals("*", details.path("clientId").asText(), "a wildcard token to the SDKs");
        TokenClaims claims = brokerAuthority.verify(details.path("token").asText()).value();
        assertEquals("*", claims.clientId());
        assertEquals("support:*", String.valueOf(claims.clientIdPattern()));
        assertTrue(claims.clientIdPattern().matches("support:ann"));
        assertFalse(claims.clientIdPattern().matches("alice"));
    }

    @Test
    void clientIdPatternIsRefusedWithoutIssueWithoutAWildcardOrWhenInvalid() {
        Run asRequest = run("token", "--key", FULL_KEY, "--client-id", "*", "--client-id-pattern", "support:*");
        assertEquals(1, asRequest.exitCode(), "a TokenRequest's mac cannot cover the pattern");
        assertTrue(asRequest.err().contains("--issue") && asRequest.err().contains("40003"), asRequest.err());
        assertEquals("", asRequest.out());

        Run named = run("token", "--key", FULL_KEY, "--client-id", "Bob", "--client-id-pattern", "support:*", "--issue");
        assertEquals(1, named.exitCode());
        assertTrue(named.err().contains("clientId '*'"), named.err());

        Run loneStar = run("token", "--key", FULL_KEY, "--client-id", "*", "--client-id-pattern", "*", "--issue");
        assertEquals(1, loneStar.exitCode());
        assertTrue(loneStar.err().contains("restricts nothing"), loneStar.err());
    }
}
