package dev.hubbub.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class TokenRequestSignerTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final String NONCE = "0123456789abcdef";
    private final ApiKey key = new ApiKey("app1.keyA", "shh-secret", Capability.ALL);
    private final ManualClock clock = new ManualClock(T0);
    private final TokenRequestSigner signer = new TokenRequestSigner(clock);

    private static String hmacBase64(String secret, String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void macMatchesAFixedVectorComputedOutsideJava() {
        // computed with Python's hmac module over the same six newline-terminated fields
        TokenRequest full = signer.create(key, new TokenParams(3_600_000L, "{\"chat:*\":[\"subscribe\",\"publish\"]}",
                "Bob", T0, NONCE)).value();
        assertEquals("C3wlqSBFEohBSOZLX82ogLdJRudOakUrmiNjRigkIRk=", full.mac());
        TokenRequest bare = signer.create(key, new TokenParams(null, null, null, null, NONCE)).value();
        assertEquals("7eJIz9fAFFg/XzajK8qZo8SFm9f/y6GM8RyeZailP0k=", bare.mac());
    }

    @Test
    void macMatchesAnIndependentHmacOverTheDocumentedText() throws Exception {
        TokenRequest request = signer.create(key, new TokenParams(123L, null, "Bob", null, NONCE)).value();
        String text = "app1.keyA\n123\n\nBob\n" + T0 + "\n" + NONCE + "\n";
        assertEquals(text, TokenRequestSigner.macText(request));
        assertEquals(hmacBase64("shh-secret", text), request.mac());
        assertTrue(TokenRequestSigner.verify(key, request));
    }

    @Test
    void theExactTextMatters() throws Exception {
        TokenRequest request = signer.create(key, new TokenParams(123L, null, "Bob", null, NONCE)).value();
        String withoutTrailingNewline = "app1.keyA\n123\n\nBob\n" + T0 + "\n" + NONCE;
        assertFalse(TokenRequestSigner.verify(key, request.withMac(hmacBase64("shh-secret", withoutTrailingNewline))));
        String absentAsNull = "app1.keyA\n123\nnull\nBob\n" + T0 + "\n" + NONCE + "\n";
        assertFalse(TokenRequestSigner.verify(key, request.withMac(hmacBase64("shh-secret", absentAsNull))));
        assertFalse(TokenRequestSigner.verify(key, request.withMac(hmacBase64("other-secret",
                TokenRequestSigner.macText(request)))));
    }

    @Test
    void everySignedFieldIsCovered() {
        TokenRequest r = signer.create(key, new TokenParams(1000L, "{\"a\":[\"publish\"]}", "Bob", null, NONCE)).value();
        assertFalse(TokenRequestSigner.verify(key, new TokenRequest("app1.keyB", r.ttl(), r.capability(), r.clientId(), r.timestamp(), r.nonce(), r.mac())));
        assertFalse(TokenRequestSigner.verify(key, new TokenRequest(r.keyName(), 1001L, r.capability(), r.clientId(), r.timestamp(), r.nonce(), r.mac())));
        assertFalse(TokenRequestSigner.verify(key, new TokenRequest(r.keyName(), r.ttl(), "{\"a\":[\"*\"]}", r.clientId(), r.timestamp(), r.nonce(), r.mac())));
        assertFalse(TokenRequestSigner.verify(key, new TokenRequest(r.keyName(), r.ttl(), r.capability(), "Eve", r.timestamp(), r.nonce(), r.mac())));
        assertFalse(TokenRequestSigner.verify(key, new TokenRequest(r.keyName(), r.ttl(), r.capability(), r.clientId(), r.timestamp() + 1, r.nonce(), r.mac())));
        assertFalse(TokenRequestSigner.verify(key, new TokenRequest(r.keyName(), r.ttl(), r.capability(), r.clientId(), r.timestamp(), r.nonce() + "x", r.mac())));
        assertFalse(TokenRequestSigner.verify(key, r.withMac(null)));
        assertTrue(TokenRequestSigner.verify(key, r));
    }

    @Test
    void createFillsTimestampAndARandomNonceAndCanonicalisesCapability() {
        TokenRequest a = signer.create(key, new TokenParams(null, "{ \"b\": [\"subscribe\", \"publish\"], \"a\": [\"*\"] }", null, null, null)).value();
        TokenRequest b = signer.create(key, TokenParams.DEFAULTS).value();
        assertEquals(T0, a.timestamp());
        assertTrue(a.nonce().length() >= 16, a.nonce());
        assertNotEquals(a.nonce(), b.nonce());
        assertEquals("{\"a\":[\"*\"],\"b\":[\"publish\",\"subscribe\"]}", a.capability());
        assertNull(b.capability());
        assertNull(b.ttl());
    }

    @Test
    void createRejectsWhatTheBrokerWouldReject() {
        assertEquals(ErrorCode.BAD_REQUEST.code(), signer.create(key, TokenParams.DEFAULTS.withCapability("{nope")).error().code());
        assertEquals(ErrorCode.INVALID_PARAMETER.code(), signer.create(key, TokenParams.DEFAULTS.withTtl(0L)).error().code());
        assertEquals(ErrorCode.INVALID_CLIENT_ID.code(), signer.create(key, TokenParams.forClientId("")).error().code());
        assertEquals(ErrorCode.BAD_REQUEST.code(), signer.create(key, new TokenParams(null, null, null, null, "short")).error().code());
    }

    @Test
    void keyForSigningParsesAFullKeyAndRefusesMalformedOnes() {
        ApiKey parsed = TokenRequestSigner.keyForSigning("app1.keyA:shh-secret").value();
        assertEquals("app1.keyA", parsed.name());
        assertTrue(parsed.secretMatches("shh-secret"));
        assertEquals(ErrorCode.INVALID_CREDENTIAL.code(), TokenRequestSigner.keyForSigning("app1.keyA").error().code());
        assertEquals(ErrorCode.INVALID_CREDENTIAL.code(), TokenRequestSigner.keyForSigning("nodot:secret").error().code());
        assertFalse(parsed.toString().contains("shh"));
    }

    // RFC 4231 test case 2, then another key on the same thread (one Mac per thread: each use starts from its own key)
    @Test
    void hmacSha256MatchesTheRfcVectorAndEachCallUsesItsOwnKey() {
        byte[] jefe = "Jefe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] data = "what do ya want for nothing?".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        String expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        java.util.HexFormat hex = java.util.HexFormat.of();
        assertEquals(expected, hex.formatHex(TokenRequestSigner.hmacSha256(jefe, data)));
        String other = hex.formatHex(TokenRequestSigner.hmacSha256("another".getBytes(java.nio.charset.StandardCharsets.US_ASCII), data));
        assertNotEquals(expected, other);
        assertEquals(expected, hex.formatHex(TokenRequestSigner.hmacSha256(jefe, data)));
    }
}
