package dev.hubbub.core.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;

/**
 * JSON shapes of the token records, shared by the REST transport, the command line and auth
 * servers so every one of them reads and writes the fields the same way.
 *
 * <p>Reading is lenient where the SDKs differ: {@code ttl} and {@code timestamp} may be JSON numbers
 * or decimal strings (a non-numeric ttl is 40003 "Invalid value for ttl"); {@code capability} is
 * normally a string, kept verbatim because the mac covers it, and an object is accepted as its
 * compact JSON text. Writing omits absent fields ({@code clientId} of an anonymous token, a request's
 * unset ttl or capability) and always writes {@code capability} as a string.
 *
 * <p>A clientId pattern ({@link ClientIdPattern}) is named {@value #CLIENT_ID_PATTERN_FIELD} in
 * TokenParams, as the JWT claim is. A signed TokenRequest carrying that field is refused (40003)
 * rather than read without it: its mac cannot cover the field, and ignoring it would hand out an
 * unrestricted wildcard token to a caller who asked for a limited one.
 */
public final class TokenJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The TokenParams field (and JWT claim) naming a wildcard token's clientId pattern. */
    public static final String CLIENT_ID_PATTERN_FIELD = "x-hubbub-clientId-pattern";

    private TokenJson() {}

    /** Whether a requestToken body is a signed TokenRequest (it has a mac) rather than bare TokenParams. */
    public static boolean isSigned(JsonNode body) {
        return body != null && body.hasNonNull("mac");
    }

    /** Reads a requestToken body as a signed TokenRequest. */
    public static Outcome<TokenRequest> readTokenRequest(JsonNode body) {
        if (body == null || !body.isObject()) {
            return Outcome.fail(ErrorCode.INVALID_BODY, "TokenRequest must be a JSON object");
        }
        if (body.has(CLIENT_ID_PATTERN_FIELD)) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, "A signed TokenRequest cannot carry " + CLIENT_ID_PATTERN_FIELD
                    + " (its mac does not cover it): ask with Basic auth and TokenParams, or use a JWT");
        }
        try {
            return Outcome.ok(new TokenRequest(
                    text(body, "keyName", ErrorCode.BAD_REQUEST),
                    number(body, "ttl"),
                    capability(body),
                    text(body, "clientId", ErrorCode.INVALID_CLIENT_ID),
                    number(body, "timestamp"),
                    text(body, "nonce", ErrorCode.BAD_REQUEST),
                    text(body, "mac", ErrorCode.BAD_REQUEST)));
        } catch (FieldException e) {
            return Outcome.fail(e.error);
        }
    }

    /**
     * Reads a requestToken body (or an empty/absent one) as TokenParams, for basic-auth callers; a
     * {@code revocationKey} string and a {@value #CLIENT_ID_PATTERN_FIELD} string are read too
     * (hubbub's extensions, see {@link TokenParams}).
     */
    public static Outcome<TokenParams> readTokenParams(JsonNode body) {
        if (body == null || body.isMissingNode() || body.isNull()) {
            return Outcome.ok(TokenParams.DEFAULTS);
        }
        if (!body.isObject()) {
            return Outcome.fail(ErrorCode.INVALID_BODY, "TokenParams must be a JSON object");
        }
        try {
            return Outcome.ok(new TokenParams(
                    number(body, "ttl"),
                    capability(body),
                    text(body, "clientId", ErrorCode.INVALID_CLIENT_ID),
                    number(body, "timestamp"),
                    text(body, "nonce", ErrorCode.BAD_REQUEST),
                    text(body, "revocationKey", ErrorCode.INVALID_PARAMETER),
                    text(body, CLIENT_ID_PATTERN_FIELD, ErrorCode.INVALID_PARAMETER)));
        } catch (FieldException e) {
            return Outcome.fail(e.error);
        }
    }

    /** TokenDetails as the SDKs expect them: {@code clientId} omitted when null. */
    public static ObjectNode write(TokenDetails details) {
        ObjectNode json = NODES.objectNode();
        json.put("token", details.token());
        json.put("keyName", details.keyName());
        json.put("issued", details.issued());
        json.put("expires", details.expires());
        json.put("capability", details.capability());
        if (details.clientId() != null) {
            json.put("clientId", details.clientId());
        }
        return json;
    }

    /** A TokenRequest as an auth server hands it to a client: unset ttl, capability and clientId omitted. */
    public static ObjectNode write(TokenRequest request) {
        ObjectNode json = NODES.objectNode();
        json.put("keyName", request.keyName());
        if (request.ttl() != null) {
            json.put("ttl", request.ttl());
        }
        if (request.capability() != null) {
            json.put("capability", request.capability());
        }
        if (request.clientId() != null) {
            json.put("clientId", request.clientId());
        }
        if (request.timestamp() != null) {
            json.put("timestamp", request.timestamp());
        }
        json.put("nonce", request.nonce());
        if (request.mac() != null) {
            json.put("mac", request.mac());
        }
        return json;
    }

    private static String text(JsonNode body, String field, ErrorCode ifWrongType) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new FieldException(ifWrongType.info("Invalid value for " + field + ": must be a string"));
        }
        return node.asText();
    }

    private static String capability(JsonNode body) {
        JsonNode node = body.get("capability");
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isObject()) {
            return node.toString();
        }
        throw new FieldException(ErrorCode.BAD_REQUEST.info("Invalid capability: must be a JSON string or object"));
    }

    /** An integral JSON number or a decimal string; anything else is 40003. */
    private static Long number(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.asLong();
        }
        if (node.isTextual() && node.asText().matches("-?[0-9]{1,18}")) {
            return Long.parseLong(node.asText());
        }
        throw new FieldException(ErrorCode.INVALID_PARAMETER.info("Invalid value for " + field));
    }

    /** Carries a field's rejection out of the nested readers; never escapes this class. */
    private static final class FieldException extends RuntimeException {
        private final transient ErrorInfo error;

        FieldException(ErrorInfo error) {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }
}
