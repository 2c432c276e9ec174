package dev.hubbub.bench.auth;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
