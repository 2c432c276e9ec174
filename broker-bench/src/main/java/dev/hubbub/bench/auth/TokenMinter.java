package dev.hubbub.bench.auth;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.bench.client.BenchClient;
import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.RestClient;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Obtains tokens from the broker's {@code POST /keys/{keyName}/requestToken}: either a TokenRequest
 * signed locally (no Authorization header) or TokenParams over HTTP basic auth. Failures complete
 * the future with a {@link BenchFailure} keyed by the Ably error code in the response body (or the
 * {@code X-Ably-ErrorCode} header), else "http-STATUS", so a missing endpoint shows up as a code
 * rather than a crash. Tokens and secrets are never printed.
 */
public final class TokenMinter implements AutoCloseable {
    public enum Mode { SIGNED, BASIC }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ApiKey key;
    private final Mode mode;
    private final String path;
    private final RestClient rest;
    private final Map<String, String> headers;
    private final SecureRandom random = new SecureRandom();
    private final AtomicLong counter = new AtomicLong();

    public TokenMinter(BenchClient client, ApiKey key, Mode mode, int maxConnections) {
        this.key = key;
        this.mode = mode;
        this.path = "/keys/" + URLEncoder.encode(key.keyName(), StandardCharsets.UTF_8).replace("+", "%20") + "/requestToken";
        this.rest = new RestClient(client, maxConnections);
        this.headers = headers(key, mode);
    }

    /** Requests one token for {@code clientId} (null: anonymous). */
    public CompletableFuture<String> mint(String clientId) {
        long ts = System.currentTimeMillis();
        String nonce = nonce();
        TokenRequest body = mode == Mode.SIGNED
                ? TokenRequest.signed(key, null, null, clientId, ts, nonce)
                : TokenRequest.unsigned(key, null, null, clientId, ts, nonce);
        return rest.post(path, headers, body.toJsonBytes()).thenApply(TokenMinter::tokenFrom);
    }

    /** The request headers: the same for every request of a minter (built once). */
    private static Map<String, String> headers(ApiKey key, Mode mode) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json");
        headers.put("X-Ably-Version", "6");
        if (mode == Mode.BASIC) {
            headers.put("Authorization", "Basic " + Base64.getEncoder().encodeToString(key.full().getBytes(StandardCharsets.UTF_8)));
        }
        return Collections.unmodifiableMap(headers);
    }

    /** The token in a 2xx TokenDetails body, or a BenchFailure with the error code. */
    static String tokenFrom(RestClient.Response response) {
        if (response.status() / 100 == 2) {
            String token = topLevelToken(response.body());
            if (token != null) {
                return token;
            }
        }
        JsonNode body = null;
        try {
            body = JSON.readTree(response.body());
        } catch (Exception ignored) {
            // not JSON: fall through to the status
        }
        int status = response.status();
        if (status / 100 == 2 && body != null && body.path("token").isTextual()) {
            return body.path("token").asText();
        }
        JsonNode error = body == null ? null : body.path("error");
        if (error != null && error.path("code").canConvertToInt() && error.path("code").asInt() != 0) {
            throw new BenchFailure(Integer.toString(error.path("code").asInt()),
                    "requestToken: " + error.path("message").asText(""));
        }
        if (response.ablyErrorCode() != null) {
            throw new BenchFailure(response.ablyErrorCode(), "requestToken: HTTP " + status);
        }
        throw new BenchFailure(status / 100 == 2 ? "no-token" : "http-" + status,
                "requestToken: HTTP " + status + (status / 100 == 2 ? " without a token" : ""));
    }

    /**
     * The string "token" field of a JSON object body, read with the streaming parser (no node tree:
     * the success path of every mint); null when the body is not an object with one.
     */
    static String topLevelToken(byte[] body) {
        try (JsonParser p = JSON.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("token".equals(name)) {
                    return value == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                p.skipChildren();
            }
            return null;
        } catch (IOException notJson) {
            return null;
        }
    }

    private String nonce() {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b) + Long.toString(counter.incrementAndGet(), 36);
    }

    @Override
    public void close() {
        rest.close();
    }
}
