package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenRequest;
import dev.hubbub.core.auth.TokenRequestSigner;
import dev.hubbub.core.auth.TokenSettings;
import dev.hubbub.server.BrokerApp;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** tokens.defaultTtl, tokens.maxTtl and tokens.noncesPerKey: read, validated, and what the running broker issues tokens with. */
class TokenSettingsConfigTest {
    private static final String FILE = "broker-test.yaml";
    private static final String KEY = "keys:\n  - name: \"app.key1\"\n    secret: \"s1\"\n";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void withoutATokensSectionTheDefaultsApply() throws Exception {
        assertEquals(TokenSettings.DEFAULTS, ConfigLoader.parse(FILE, KEY).tokens());
        assertEquals(Duration.ofHours(1), TokenSettings.DEFAULTS.defaultTtl());
        assertEquals(Duration.ofHours(24), TokenSettings.DEFAULTS.maxTtl());
    }

    @Test
    void lifetimesAreRead() throws Exception {
        TokenSettings t = ConfigLoader.parse(FILE, KEY + "tokens:\n  defaultTtl: 600000\n  maxTtl: 7200000\n").tokens();
        assertEquals(Duration.ofMinutes(10), t.defaultTtl());
        assertEquals(Duration.ofHours(2), t.maxTtl());
        assertEquals(TokenSettings.DEFAULTS.timestampWindow(), t.timestampWindow());
        assertEquals(TokenSettings.DEFAULTS.nonceCacheSize(), t.nonceCacheSize());
        assertEquals(5_000, ConfigLoader.parse(FILE, KEY + "tokens:\n  noncesPerKey: 5000\n").tokens().nonceCacheSize());
        TokenSettings shortMax = ConfigLoader.parse(FILE, KEY + "tokens:\n  maxTtl: 60000\n").tokens();
        assertEquals(Duration.ofMinutes(1), shortMax.defaultTtl(), "a maxTtl under the default lifetime lowers it");
    }

    // Rule: 0 < defaultTtl <= maxTtl, and the error names the setting and its line.
    @Test
    void lifetimesAreValidated() {
        assertMentions(failure(KEY + "tokens:\n  defaultTtl: 0\n"), FILE + ":5", "'tokens.defaultTtl'");
        assertMentions(failure(KEY + "tokens:\n  defaultTtl: 7200000\n  maxTtl: 3600000\n"), FILE + ":5", "'tokens.defaultTtl'",
                "at most maxTtl");
        assertMentions(failure(KEY + "tokens:\n  maxTtl: -1\n"), FILE + ":5", "'tokens.maxTtl'");
        assertMentions(failure(KEY + "tokens:\n  ttl: 1\n"), "unknown setting", "defaultTtl", "maxTtl", "noncesPerKey");
        assertMentions(failure(KEY + "tokens:\n  noncesPerKey: 0\n"), FILE + ":5", "'tokens.noncesPerKey'");
    }

    // Rule: the running broker issues tokens with the configured lifetimes (wired through BrokerApp).
    @Test
    void theBrokerIssuesTokensWithTheConfiguredLifetimes() throws Exception {
        BrokerConfig config = ConfigLoader.parse(FILE, KEY + "tokens:\n  defaultTtl: 60000\n  maxTtl: 120000\n")
                .withListener("127.0.0.1", 0);
        try (BrokerApp app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry())) {
            int port = app.start().getPort();
            JsonNode byDefault = requestToken(port, "{}");
            assertEquals(60_000, byDefault.path("expires").asLong() - byDefault.path("issued").asLong(), byDefault::toString);
            JsonNode atMax = requestToken(port, "{\"ttl\":120000}");
            assertEquals(120_000, atMax.path("expires").asLong() - atMax.path("issued").asLong(), atMax::toString);
            JsonNode tooLong = requestToken(port, "{\"ttl\":120001}");
            assertEquals(40003, tooLong.path("error").path("code").asInt(), tooLong::toString);
        }
    }

    // Rule: the running broker bounds the nonces it remembers per key at tokens.noncesPerKey, refusing (42910)
    // rather than forgetting one.
    @Test
    void theBrokerRefusesSignedRequestsPastTheConfiguredNonceBound() throws Exception {
        BrokerConfig config = ConfigLoader.parse(FILE, KEY + "tokens:\n  noncesPerKey: 2\n").withListener("127.0.0.1", 0);
        ApiKey key = new ApiKey("app.key1", "s1", Capability.ALL);
        TokenRequestSigner signer = new TokenRequestSigner(Clock.systemUTC());
        try (BrokerApp app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry())) {
            int port = app.start().getPort();
            for (int i = 0; i < 2; i++) {
                JsonNode issued = exchange(port, signer.create(key, TokenParams.DEFAULTS).value());
                assertTrue(issued.path("token").isTextual(), issued::toString);
            }
            JsonNode third = exchange(port, signer.create(key, TokenParams.DEFAULTS).value());
            assertEquals(42910, third.path("error").path("code").asInt(), third::toString);
        }
    }

    private static JsonNode exchange(int port, TokenRequest r) throws Exception {
        String body = new ObjectMapper().writeValueAsString(java.util.Map.of("keyName", r.keyName(), "timestamp", r.timestamp(),
                "nonce", r.nonce(), "mac", r.mac()));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/keys/app.key1/requestToken"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10)).build();
        return new ObjectMapper().readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private static JsonNode requestToken(int port, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/keys/app.key1/requestToken"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("app.key1:s1".getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(10)).build();
        return new ObjectMapper().readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private static ConfigException failure(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(FILE, yaml));
    }

    private static void assertMentions(ConfigException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' missing from: " + e.getMessage());
        }
    }
}
