package dev.hubbub.core.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/**
 * An Ably Message. {@code data} is a {@link String}, a {@code byte[]} or null; object payloads arrive
 * already stringified with a {@code json} encoding step. {@code extras} is opaque and passed through.
 */
public record Message(
        String id,
        String clientId,
        String connectionId,
        String connectionKey,
        String name,
        Object data,
        String encoding,
        JsonNode extras,
        Long timestamp,
        Integer action,
        String serial) {

    public Message {
        if (data != null && !(data instanceof String) && !(data instanceof byte[])) {
            throw new IllegalArgumentException("data must be a String or byte[]");
        }
    }

    public static Message of(String name, Object data) {
        return new Message(null, null, null, null, name, data, null, null, null, null, null);
    }

    public Message withClientId(String newClientId) {
        return new Message(id, newClientId, connectionId, connectionKey, name, data, encoding, extras, timestamp, action, serial);
    }

    /** The same message at a position in its channel's order. */
    public Message withSerial(String newSerial) {
        return new Message(id, clientId, connectionId, connectionKey, name, data, encoding, extras, timestamp, action, newSerial);
    }

    /** Stamps what the broker assigns on receipt; keeps a client-supplied id. */
    public Message stamped(String defaultId, String newConnectionId, long newTimestamp, String newSerial) {
        return new Message(id != null ? id : defaultId, clientId, newConnectionId, null, name, data, encoding, extras,
                newTimestamp, action != null ? action : 0, newSerial);
    }

    /**
     * Size for the message size limit: name + data + clientId + extras, per Ably's rule (TM6). Binary
     * counts its bytes whichever format carried it: a MessagePack bin, or base64 text whose last
     * encoding step is {@code base64} (as JSON clients send binary) counts the bytes it decodes to.
     */
    public int size() {
        return utf8Length(name) + dataSize(data, encoding) + utf8Length(clientId) + (extras == null ? 0 : extras.toString().length());
    }

    static int dataSize(Object data, String encoding) {
        if (data instanceof byte[] bytes) {
            return bytes.length;
        }
        if (!(data instanceof String s)) {
            return 0;
        }
        if (encoding != null && (encoding.equals("base64") || encoding.endsWith("/base64"))) {
            int decoded = base64DecodedLength(s);
            if (decoded >= 0) {
                return decoded;
            }
        }
        return utf8Length(s);
    }

    /** How many bytes base64 text decodes to, without decoding it; -1 if it is not base64. */
    static int base64DecodedLength(String s) {
        int n = s.length();
        int pad = 0;
        while (pad < 2 && n - pad > 0 && s.charAt(n - pad - 1) == '=') {
            pad++;
        }
        int chars = n - pad;
        if (chars % 4 == 1 || (pad > 0 && n % 4 != 0)) {
            return -1;
        }
        for (int i = 0; i < chars; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
            if (!ok) {
                return -1;
            }
        }
        return (int) ((long) chars * 3 / 4);
    }

    static int utf8Length(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }
}
