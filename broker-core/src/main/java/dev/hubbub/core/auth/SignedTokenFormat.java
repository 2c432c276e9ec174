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
 *   hb1.&lt;payload&gt;.&lt;signature&gt;
 *   payload   = base64url(JSON {"k":keyName, "c":clientId?, "cap":capability, "iat":ms, "exp":ms, "jti":id, "rk":revocationKey?})
 *   signature = base64url(HMAC-SHA256(tokenKey, "hb1." + payload))
 *   tokenKey  = HMAC-SHA256(key secret, "hubbub token signing key v1")
 * </pre>
 * base64url is unpadded. The {@code hb1.} prefix can never begin a JWT (a JWT starts with the
 * base64 of '{', i.e. {@code ey}), so the two kinds are told apart by their first four characters.
 * The signing key is derived from the secret rather than being the secret itself, so no mac made for
 * a TokenRequest or a JWT can ever pass as a token signature. The secret never appears in the token;
 * the payload is readable by anyone holding the token (it is signed, not encrypted), which is no more
 * than the TokenDetails the holder was given. {@code jti} is a random id for revocation; {@code rk}, a
 * revocation key a revocation may name the token by (absent from tokens issued without one, and from
 * every token issued before it existed: those read as having none).
 */
final class SignedTokenFormat {
    static final String PREFIX = "hb1.";
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
     * {@code revocationKey} null = none.
     */
    record Contents(String id, String keyName, String clientId, String capability, long issued, long expires,
                    String revocationKey) {
        Contents {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(keyName, "keyName");
            Objects.requireNonNull(capability, "capability");
        }
    }

    /** A token whose signature checked out, with the key that signed it. */
    record Verified(ApiKey key, Contents contents) {}

    private SignedTokenFormat() {}

    static boolean isOurs(String token) { return token.startsWith(PREFIX); }

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
        String payload = B64.encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
        return PREFIX + payload + "." + signature(key, payload);
    }

    /**
     * Checks the signature with the key the payload names, then reads the contents. Garbage and
     * unknown keys are 40143 (unrecognised); a wrong signature or malformed signed contents 40145.
     */
    static Outcome<Verified> decode(String token, KeyStore keys) {
        if (token.length() > MAX_TOKEN_LENGTH || !isOurs(token)) {
            return unrecognised("not a hubbub token");
        }
        String rest = token.substring(PREFIX.length());
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
        byte[] expected = signature(key, payload).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, presentedSignature.getBytes(StandardCharsets.UTF_8))) {
            return Outcome.fail(ErrorCode.INVALID_TOKEN, "Invalid token: signature does not match");
        }
        return readContents(json.get()).map(c -> new Verified(key, c));
    }

    private static Optional<JsonNode> readPayload(String payload) {
        try {
            JsonNode node = JSON.readTree(Base64.getUrlDecoder().decode(payload));
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        } catch (IllegalArgumentException | java.io.IOException e) {
            return Optional.empty();
        }
    }

    private static Outcome<Contents> readContents(JsonNode json) {
        JsonNode id = json.get("jti");
        JsonNode clientId = json.get("c");
        JsonNode capability = json.get("cap");
        JsonNode issued = json.get("iat");
        JsonNode expires = json.get("exp");
        JsonNode revocationKey = json.get("rk");
        boolean wellFormed = id != null && id.isTextual()
                && (revocationKey == null || revocationKey.isTextual())
                && (clientId == null || clientId.isTextual())
                && capability != null && capability.isTextual()
                && issued != null && issued.isIntegralNumber() && issued.canConvertToLong()
                && expires != null && expires.isIntegralNumber() && expires.canConvertToLong();
        if (!wellFormed) {
            return Outcome.fail(ErrorCode.INVALID_TOKEN, "Invalid token: malformed contents");
        }
        return Outcome.ok(new Contents(id.asText(), json.get("k").asText(), clientId == null ? null : clientId.asText(),
                capability.asText(), issued.asLong(), expires.asLong(), revocationKey == null ? null : revocationKey.asText()));
    }

    private static String signature(ApiKey key, String payload) {
        byte[] tokenKey = TokenRequestSigner.hmacSha256(key.secretBytes(), DERIVATION_LABEL);
        byte[] mac = TokenRequestSigner.hmacSha256(tokenKey, (PREFIX + payload).getBytes(StandardCharsets.US_ASCII));
        return B64.encodeToString(mac);
    }

    private static <T> Outcome<T> unrecognised(String why) {
        return Outcome.fail(ErrorCode.TOKEN_UNRECOGNISED, "Token unrecognised: " + why);
    }
}
