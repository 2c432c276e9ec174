package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.testkit.ManualClock;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenJsonTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ApiKey key = new ApiKey("app1.keyA", "secretA", Capability.ALL);
    private final ManualClock clock = new ManualClock(T0);
    private final TokenAuthority authority = new TokenAuthority(new KeyStore(List.of(key)), clock);

    private static JsonNode json(String text) throws Exception { return JSON.readTree(text); }

    @Test
    void aSignedRequestSurvivesTheWireAndIsAccepted() {
        TokenRequest request = new TokenRequestSigner(clock).create(key,
                new TokenParams(5000L, "{\"a\":[\"publish\"]}", "Bob", null, null)).value();
        ObjectNode body = TokenJson.write(request);
        assertTrue(TokenJson.isSigned(body));
        TokenRequest read = TokenJson.readTokenRequest(body).value();
        assertEquals(request, read);
        TokenDetails details = authority.issue(read).value();
        ObjectNode out = TokenJson.write(details);
        assertEquals("Bob", out.get("clientId").asText());
        assertTrue(out.get("capability").isTextual());
        assertEquals(5000, out.get("expires").asLong() - out.get("issued").asLong());
    }

    @Test
    void unsetFieldsAreOmitted() {
        TokenRequest request = new TokenRequestSigner(clock).create(key, TokenParams.DEFAULTS).value();
        ObjectNode body = TokenJson.write(request);
        assertFalse(body.has("ttl") || body.has("capability") || body.has("clientId"));
        ObjectNode details = TokenJson.write(authority.issue(request).value());
        assertFalse(details.has("clientId"));
        assertTrue(details.has("issued"));
    }

    @Test
    void numbersMayArriveAsDecimalStrings() throws Exception {
        TokenRequest read = TokenJson.readTokenRequest(json(
                "{\"keyName\":\"app1.keyA\",\"ttl\":\"3600000\",\"timestamp\":\"" + T0 + "\",\"nonce\":\"0123456789abcdef\",\"mac\":\"m\"}")).value();
        assertEquals(3_600_000L, read.ttl());
        assertEquals(T0, read.timestamp());
        assertNull(read.capability());
    }

    @Test
    void nonNumericTtlIsInvalidParameter() throws Exception {
        for (String ttl : new String[] {"\"abc\"", "1.5", "true", "\"1e3\"", "{}"}) {
            assertEquals(ErrorCode.INVALID_PARAMETER.code(),
                    TokenJson.readTokenRequest(json("{\"keyName\":\"app1.keyA\",\"ttl\":" + ttl + ",\"mac\":\"m\"}")).error().code(), ttl);
            assertEquals(ErrorCode.INVALID_PARAMETER.code(), TokenJson.readTokenParams(json("{\"ttl\":" + ttl + "}")).error().code(), ttl);
        }
    }

    @Test
    void wrongTypesAndShapesAreRejected() throws Exception {
        assertEquals(ErrorCode.INVALID_BODY.code(), TokenJson.readTokenRequest(json("[]")).error().code());
        assertEquals(ErrorCode.INVALID_CLIENT_ID.code(), TokenJson.readTokenParams(json("{\"clientId\":7}")).error().code());
        assertEquals(ErrorCode.BAD_REQUEST.code(), TokenJson.readTokenParams(json("{\"capability\":[1]}")).error().code());
        assertEquals("{\"a\":[\"publish\"]}", TokenJson.readTokenParams(json("{\"capability\":{\"a\":[\"publish\"]}}")).value().capability());
        assertEquals(TokenParams.DEFAULTS, TokenJson.readTokenParams(null).value());
        assertFalse(TokenJson.isSigned(json("{\"keyName\":\"app1.keyA\"}")));
    }
}
