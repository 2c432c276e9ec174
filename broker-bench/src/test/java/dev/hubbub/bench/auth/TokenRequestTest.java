package dev.hubbub.bench.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class TokenRequestTest {
    // Expected macs computed outside Java:
    //   printf 'app.key1\n3600000\n{"*":["*"]}\nalice\n1700000000000\nabcdef0123456789\n' \
    //     | openssl dgst -sha256 -hmac 'sekret-value' -binary | base64
    private static final String MAC_ALL_FIELDS = "kBfE7WGfiN9F397mD8geyDxBBMEbL13Ga7WdGWRWFYU=";
    //   printf 'app.key1\n\n\n\n1700000000000\nabcdef0123456789\n' | openssl dgst ... (ttl, capability, clientId absent)
    private static final String MAC_ABSENT_FIELDS = "aCPhbAC2umP35RvOilHvduwnqMdr42ir9rI8vryjxj4=";

    private final ApiKey key = ApiKey.parse("app.key1:sekret-value");

    @Test
    void macMatchesAnIndependentHmacOverEveryField() {
        TokenRequest r = TokenRequest.signed(key, 3_600_000L, "{\"*\":[\"*\"]}", "alice", 1_700_000_000_000L, "abcdef0123456789");
        assertEquals(MAC_ALL_FIELDS, r.mac());
    }

    @Test
    void absentFieldsSignAsEmptyLines() {
        TokenRequest r = TokenRequest.signed(key, null, null, null, 1_700_000_000_000L, "abcdef0123456789");
        assertEquals(MAC_ABSENT_FIELDS, r.mac());
        assertEquals("app.key1\n\n\n\n1700000000000\nabcdef0123456789\n",
                TokenRequest.signingText("app.key1", null, null, null, 1_700_000_000_000L, "abcdef0123456789"));
    }

    @Test
    void jsonOmitsAbsentFieldsAndUnsignedHasNoMac() {
        ObjectNode signed = TokenRequest.signed(key, null, null, "bob", 5L, "n0nce-n0nce-n0nce").toJson();
        assertEquals("app.key1", signed.get("keyName").asText());
        assertEquals("bob", signed.get("clientId").asText());
        assertEquals(5L, signed.get("timestamp").asLong());
        assertFalse(signed.has("ttl"));
        assertFalse(signed.has("capability"));
        assertEquals(MAC_ABSENT_FIELDS.length(), signed.get("mac").asText().length());
        assertFalse(TokenRequest.unsigned(key, null, null, "bob", 5L, "n").toJson().has("mac"));
    }

    @Test
    void keyParsingKeepsColonsInTheSecretAndHidesIt() {
        ApiKey k = ApiKey.parse("a.b:se:qz7");
        assertEquals("a.b", k.keyName());
        assertEquals("se:qz7", k.secret());
        assertFalse(k.toString().contains("qz7"));
        assertThrows(IllegalArgumentException.class, () -> ApiKey.parse("no-colon"));
        assertThrows(IllegalArgumentException.class, () -> ApiKey.parse(":secret"));
        assertThrows(IllegalArgumentException.class, () -> ApiKey.parse("name:"));
    }
}
