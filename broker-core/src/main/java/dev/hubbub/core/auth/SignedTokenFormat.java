package dev.hubbub.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * Hubbub's own token format: self-contained and signed, so any broker node holding the key can
 * verify it without shared state.
 *
 * <pre>
 *   hbN.&lt;payload&gt;.&lt;signature&gt;      N = 1, or 2 for a token with a clientId pattern
 *   payload   = base64url(JSON {"k":keyName, "c":clientId?, "cap":capability, "iat":ms, "exp":ms, "jti":id, "rk":revocationKey?,
 *                               "p":clientIdPattern (hb2 only, with "c":"*")})
 *   signature = base64url(HMAC-SHA256(tokenKey, "hbN." + payload))
 *   tokenKey  = HMAC-SHA256(key secret, "hubbub token signing key v1")
 * </pre>
 * base64url is unpadded. Neither prefix can ever begin a JWT (a JWT starts with the
 * base64 of '{', i.e. {@code ey}), so the two kinds are told apart by their first four characters.
 * The signing key is derived from the secret rather than being the secret itself, so no mac made for
 * a TokenRequest or a JWT can ever pass as a token signature. The secret never appears in the token;
 * the payload is readable by anyone holding the token (it is signed, not encrypted), which is no more
 * than the TokenDetails the holder was given. {@code jti} is a random id for revocation; {@code rk}, a
 * revocation key a revocation may name the token by (absent from tokens issued without one, and from
 * every token issued before it existed: those read as having none).
 *
 * <p>Why a second prefix for pattern tokens: a node that predates the pattern would ignore an
 * unknown {@code "p"} and read the token as an unrestricted wildcard. It does not take an
 * {@code hb2.} token for its own and refuses it (as a malformed JWT, 40144), so a cluster in the
 * middle of an upgrade fails closed. Every token without a pattern is still {@code hb1.}, byte for
 * byte as before, and {@code hb1.} tokens issued before the pattern existed stay valid; an
 * {@code hb1.} payload with a {@code "p"}, or an {@code hb2.} one without it, is malformed.
 */
final class SignedTokenFormat {
    static final String PREFIX = "hb1.";
    /** The prefix of a token that carries a clientId pattern. */
    static final String PATTERN_PREFIX = "hb2.";
    /**
     * Longest token string considered at all; larger input is refused before any parsing. 16 KiB, as
     * the listener's request line and header limits: a JWT with a large capability (12 KB is not
     * rare) must get as far as here, and nothing longer can arrive in a URL or a header anyway.
     */
    static final int MAX_TOKEN_LENGTH = 16 * 1024;

    private static final byte[] DERIVATION_LABEL = "hubbub token signing key v1".getBytes(StandardCharsets.US_ASCII);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    /**
     * What a token says, as signed. {@code clientId} null = anonymous, {@code "*"} = wildcard;
     * {@code revocationKey} null = none; {@code clientIdPattern} null = none (else a valid
     * {@link ClientIdPattern}, on a wildcard token only).
     */
    record Contents(String id, String keyName, String clientId, String capability, long issued, long expires,
                    String revocationKey, String clientIdPattern) {
        Contents {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(keyName, "keyName");
            Objects.requireNonNull(capability, "capability");
            if (clientIdPattern != null && !ClientIdentity.WILDCARD_ID.equals(clientId)) {
                throw new IllegalArgumentException("a clientId pattern belongs to a wildcard token only");
            }
        }

        /** Contents without a clientId pattern. */
        Contents(String id, String keyName, String clientId, String capability, long issued, long expires, String revocationKey) {
            this(id, keyName, clientId, capability, issued, expires, revocationKey, null);
        }
    }

    /** A token whose signature checked out, with the key that signed it. */
    record Verified(ApiKey key, Contents contents) {}

    private SignedTokenFormat() {}

    static boolean isOurs(String token) { return token.startsWith(PREFIX) || token.startsWith(PATTERN_PREFIX); }

    static String encode(ApiKey key, Contents contents) {
        if (!key.name().equals(contents.keyName())) {
            throw new IllegalArgumentException("token contents name key " + contents.keyName() + ", signed by " + key.name());
        }
        ObjectNode json = JSON.createObjectNode();
        json.put("k", contents.keyName());
        if (contents.clientId() != null) {
            json.put("c", contents.clientId());
        }
        json.put("cap", contents.capability());
        json.put("iat", contents.issued());
        json.put("exp", contents.expires());
        json.put("jti", contents.id());
        if (contents.revocationKey() != null) {
            json.put("rk", contents.revocationKey());
        }
        String prefix = PREFIX;
        if (contents.clientIdPattern() != null) {
            json.put("p", contents.clientIdPattern());
            prefix = PATTERN_PREFIX;
        }
        String payload = B64.encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
        return prefix + payload + "." + signature(key, prefix, payload);
    }

    /**
     * Checks the signature with the key the payload names, then reads the contents. Garbage and
     * unknown keys are 40143 (unrecognised); a wrong signature or malformed signed contents 40145.
     */
    static Outcome<Verified> decode(String token, KeyStore keys) {
        if (token.length() > MAX_TOKEN_LENGTH || !isOurs(token)) {
            return unrecognised("not a hubbub token");
        }
        String prefix = token.substring(0, PREFIX.length());
        String rest = token.substring(prefix.length());
        int dot = rest.indexOf('.');
        if (dot <= 0 || dot == rest.length() - 1 || rest.indexOf('.', dot + 1) >= 0) {
            return unrecognised("malformed");
        }
        String payload = rest.substring(0, dot);
        String presentedSignature = rest.substring(dot + 1);
        Optional<JsonNode> json = readPayload(payload);
        JsonNode keyName = json.map(j -> j.get("k")).orElse(null);
        if (keyName == null || !keyName.isTextual()) {
            return unrecognised("malformed payload");
        }
        ApiKey key = keys.find(keyName.asText()).orElse(null);
        if (key == null) {
            return unrecognised("issued by a key this broker does not hold");
        }
        byte[] expected = signature(key, prefix, payload).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, presentedSignature.getBytes(StandardCharsets.UTF_8))) {
            return Outcome.fail(ErrorCode.INVALID_TOKEN, "Invalid token: signature does not match");
        }
        return readContents(json.get(), PATTERN_PREFIX.equals(prefix)).map(c -> new Verified(key, c));
    }

    private static Optional<JsonNode> readPayload(String payload) {
        try {
            JsonNode node = JSON.readTree(Base64.getUrlDecoder().decode(payload));
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IllegalArgumentException | java.io.IOException e) {
            return Optional.empty();
        }
    }

    private static Outcome<Contents> readContents(JsonNode json, boolean withPattern) {
        JsonNode id = json.get("jti");
        JsonNode clientId = json.get("c");
        JsonNode capability = json.get("cap");
        JsonNode issued = json.get("iat");
        JsonNode expires = json.get("exp");
        JsonNode revocationKey = json.get("rk");
        JsonNode pattern = json.get("p");
        boolean wellFormed = id != null && id.isTextual()
                && (revocationKey == null || revocationKey.isTextual())
                && (clientId == null || clientId.isTextual())
                && capability != null && capability.isTextual()
                && issued != null && issued.isIntegralNumber() && issued.canConvertToLong()
                && expires != null && expires.isIntegralNumber() && expires.canConvertToLong()
                && (withPattern
                        ? pattern != null && pattern.isTextual() && ClientIdPattern.invalidReason(pattern.asText()) == null
                                && clientId != null && ClientIdentity.WILDCARD_ID.equals(clientId.asText())
                        : pattern == null);
        if (!wellFormed) {
            return Outcome.fail(ErrorCode.INVALID_TOKEN, "Invalid token: malformed contents");
        }
        return Outcome.ok(new Contents(id.asText(), json.get("k").asText(), clientId == null ? null : clientId.asText(),
                capability.asText(), issued.asLong(), expires.asLong(), revocationKey == null ? null : revocationKey.asText(),
                withPattern ? pattern.asText() : null));
    }

    private static String signature(ApiKey key, String prefix, String payload) {
        byte[] tokenKey = key.tokenSigningKey(secret -> TokenRequestSigner.hmacSha256(secret, DERIVATION_LABEL));
        byte[] mac = TokenRequestSigner.hmacSha256(tokenKey, (prefix + payload).getBytes(StandardCharsets.US_ASCII));
        return B64.encodeToString(mac);
    }

    private static <T> Outcome<T> unrecognised(String why) {
        return Outcome.fail(ErrorCode.TOKEN_UNRECOGNISED, "Token unrecognised: " + why);
    }
}
