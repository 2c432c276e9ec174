package dev.hubbub.bench.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.RestClient;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenMinterTest {
    private static RestClient.Response response(int status, String body) {
        return new RestClient.Response(status, null, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void takesTheTopLevelTokenWhateverComesBeforeIt() {
        String body = "{\"keyName\":\"a.b\",\"capability\":{\"token\":\"nested\"},\"list\":[{\"token\":\"x\"}],"
                + "\"token\":\"the-token\",\"expires\":5}";
        assertEquals("the-token", TokenMinter.tokenFrom(response(201, body)));
    }

    @Test
    void aNestedTokenOrANonStringTokenIsNoToken() {
        assertNull(TokenMinter.topLevelToken("{\"details\":{\"token\":\"nested\"}}".getBytes(StandardCharsets.UTF_8)));
        assertNull(TokenMinter.topLevelToken("{\"token\":5}".getBytes(StandardCharsets.UTF_8)));
        assertNull(TokenMinter.topLevelToken("[\"token\"]".getBytes(StandardCharsets.UTF_8)));
        assertNull(TokenMinter.topLevelToken("not json".getBytes(StandardCharsets.UTF_8)));
        BenchFailure f = assertThrows(BenchFailure.class, () -> TokenMinter.tokenFrom(response(200, "{\"token\":5}")));
        assertEquals("no-token", BenchFailure.codeOf(f));
    }

    @Test
    void anErrorAnswerIsItsAblyCodeEvenWithATokenField() {
        BenchFailure f = assertThrows(BenchFailure.class, () -> TokenMinter.tokenFrom(response(401,
                "{\"token\":\"ignored\",\"error\":{\"code\":40101,\"message\":\"no\"}}")));
        assertEquals("40101", BenchFailure.codeOf(f));
        BenchFailure g = assertThrows(BenchFailure.class, () -> TokenMinter.tokenFrom(response(404, "not json")));
        assertEquals("http-404", BenchFailure.codeOf(g));
    }

    @Test
    void bytesAreTheSameJsonAsTheTree() throws Exception {
        ApiKey key = ApiKey.parse("app.key1:sekret-value");
        ObjectMapper json = new ObjectMapper();
        for (TokenRequest r : new TokenRequest[] {
                TokenRequest.signed(key, 3_600_000L, "{\"*\":[\"*\"]}", "al\"ice \u00e9\n", 1_700_000_000_000L, "abcdef0123456789"),
                TokenRequest.signed(key, null, null, null, 5L, "n0nce-n0nce-n0nce"),
                TokenRequest.unsigned(key, null, null, "bob", 5L, "n0nce-n0nce-n0nce")}) {
            assertEquals(json.readTree(r.toJson().toString()), json.readTree(r.toJsonBytes()));
            assertEquals(r.toJson().toString(), new String(r.toJsonBytes(), StandardCharsets.UTF_8));
        }
    }
}
