package dev.hubbub.bench.auth;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A TokenRequest (Ably TE): token parameters plus, when signed, the HMAC-SHA256 {@code mac} over
 * {@code keyName\nttl\ncapability\nclientId\ntimestamp\nnonce\n} keyed with the key's secret
 * (absent fields contribute an empty string). Unsigned, it is the TokenParams body of a
 * basic-authenticated request.
 */
public record TokenRequest(String keyName, Long ttl, String capability, String clientId, long timestamp, String nonce,
                           String mac) {

    /** A request signed with {@code key}. */
    public static TokenRequest signed(ApiKey key, Long ttl, String capability, String clientId, long timestamp, String nonce) {
        return new TokenRequest(key.keyName(), ttl, capability, clientId, timestamp, nonce,
                mac(key.secret(), key.keyName(), ttl, capability, clientId, timestamp, nonce));
    }

    /** Token parameters without a mac (the caller authenticates the HTTP request). */
    public static TokenRequest unsigned(ApiKey key, Long ttl, String capability, String clientId, long timestamp, String nonce) {
        return new TokenRequest(key.keyName(), ttl, capability, clientId, timestamp, nonce, null);
    }

    /** The signing text; each field followed by a newline. */
    public static String signingText(String keyName, Long ttl, String capability, String clientId, long timestamp,
                                     String nonce) {
        return keyName + "\n"
                + (ttl == null ? "" : ttl) + "\n"
                + (capability == null ? "" : capability) + "\n"
                + (clientId == null ? "" : clientId) + "\n"
                + timestamp + "\n"
                + (nonce == null ? "" : nonce) + "\n";
    }

    public static String mac(String secret, String keyName, Long ttl, String capability, String clientId, long timestamp,
                             String nonce) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] sig = hmac.doFinal(signingText(keyName, ttl, capability, clientId, timestamp, nonce)
                    .getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(sig);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static final JsonFactory JSON = new JsonFactory();

    /**
     * The JSON body as UTF-8 bytes, written straight out (no node tree, no String): the same fields
     * in the same order as {@link #toJson()}; absent fields are omitted.
     */
    public byte[] toJsonBytes() {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256)) {
            try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
                g.writeStartObject();
                g.writeStringField("keyName", keyName);
                if (ttl != null) {
                    g.writeNumberField("ttl", ttl);
                }
                if (capability != null) {
                    g.writeStringField("capability", capability);
                }
                if (clientId != null) {
                    g.writeStringField("clientId", clientId);
                }
                g.writeNumberField("timestamp", timestamp);
                g.writeStringField("nonce", nonce);
                if (mac != null) {
                    g.writeStringField("mac", mac);
                }
                g.writeEndObject();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JSON body; absent fields are omitted. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("keyName", keyName);
        if (ttl != null) {
            n.put("ttl", ttl);
        }
        if (capability != null) {
            n.put("capability", capability);
        }
        if (clientId != null) {
            n.put("clientId", clientId);
        }
        n.put("timestamp", timestamp);
        n.put("nonce", nonce);
        if (mac != null) {
            n.put("mac", mac);
        }
        return n;
    }
}
