package dev.hubbub.transport.http;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Authenticates a REST request: {@code Authorization: Basic base64(keyName:secret)} or
 * {@code Bearer <token>} (the SDKs base64-encode tokens; raw ones are accepted too), with the
 * claimed clientId from {@code X-Ably-ClientId} (base64).
 */
public final class RestAuth {
    private final Authenticator authenticator;

    public RestAuth(Authenticator authenticator) { this.authenticator = authenticator; }

    public Outcome<Principal> authenticate(HttpHeaders headers) {
        String claimed = null;
        String header = headers.get("X-Ably-ClientId");
        if (header != null) {
            claimed = decodeBase64(header.trim());
            if (claimed == null) {
                return Outcome.fail(ErrorCode.INVALID_CLIENT_ID, "Invalid X-Ably-ClientId header: not base64");
            }
        }
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            return Outcome.fail(ErrorCode.AUTHENTICATION_FAILED, "Authentication required: use Basic (API key) or Bearer (token)");
        }
        int space = authorization.indexOf(' ');
        String scheme = space < 0 ? authorization : authorization.substring(0, space);
        String value = space < 0 ? "" : authorization.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Basic")) {
            String key = decodeBase64(value);
            if (key == null) {
                return Outcome.fail(ErrorCode.INVALID_CREDENTIAL, "Invalid key in request: Basic credentials are not base64");
            }
            return authenticator.authenticateKey(key, claimed);
        }
        if (scheme.equalsIgnoreCase("Bearer")) {
            return authenticator.authenticateToken(bearerToken(value), claimed);
        }
        return Outcome.fail(ErrorCode.AUTHENTICATION_FAILED, "Unsupported Authorization scheme " + scheme);
    }

    /** The API key of a request made with {@code Authorization: Basic}; token credentials are refused (40162). */
    public Outcome<ApiKey> basicKey(HttpHeaders headers) {
        return basicKey(headers, "Authentication required: sign the TokenRequest (mac) or use Basic auth with the key",
                "Requesting a token without a signed TokenRequest requires Basic auth");
    }

    /**
     * As {@link #basicKey(HttpHeaders)}, for an operation only a key's holder may perform: no
     * credentials are 40101, token credentials 40162, both saying that {@code operation} (e.g.
     * "Revoking tokens") requires Basic auth with the key.
     */
    public Outcome<ApiKey> basicKeyFor(HttpHeaders headers, String operation) {
        return basicKey(headers, "Authentication required: " + operation + " requires Basic auth with the API key",
                operation + " requires Basic auth with the API key, not a token");
    }

    private Outcome<ApiKey> basicKey(HttpHeaders headers, String noCredentials, String notBasic) {
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (authorization == null || authorization.isBlank()) {
            return Outcome.fail(ErrorCode.AUTHENTICATION_FAILED, noCredentials);
        }
        int space = authorization.indexOf(' ');
        if (space < 0 || !authorization.substring(0, space).equalsIgnoreCase("Basic")) {
            return Outcome.fail(ErrorCode.BASIC_AUTH_REQUIRED, notBasic);
        }
        String key = decodeBase64(authorization.substring(space + 1).trim());
        if (key == null) {
            return Outcome.fail(ErrorCode.INVALID_CREDENTIAL, "Invalid key in request: Basic credentials are not base64");
        }
        return authenticator.resolveKey(key);
    }

    /** Whether this broker holds a key of that name (no secret checked: for refusing early what would fail later). */
    public boolean knowsKey(String keyName) {
        return authenticator.keys().find(keyName).isPresent();
    }

    /** Raw tokens and JWTs contain '.', base64 never does: decode only what has none. */
    static String bearerToken(String value) {
        if (value.indexOf('.') >= 0) {
            return value;
        }
        String decoded = decodeBase64(value);
        return decoded == null ? value : decoded;
    }

    static String decodeBase64(String s) {
        try {
            return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
