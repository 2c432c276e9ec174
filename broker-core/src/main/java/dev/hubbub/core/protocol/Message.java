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

    /** Stamps what the broker assigns on receipt; keeps a client-supplied id. */
    public Message stamped(String defaultId, String newConnectionId, long newTimestamp, String newSerial) {
        return new Message(id != null ? id : defaultId, clientId, newConnectionId, null, name, data, encoding, extras,
                newTimestamp, action != null ? action : 0, newSerial);
    }

    /** Size for the message size limit: name + data + clientId + extras, per Ably's rule. */
    public int size() {
        return utf8Length(name) + dataSize(data) + utf8Length(clientId) + (extras == null ? 0 : extras.toString().length());
    }

    static int dataSize(Object data) {
        if (data instanceof byte[] bytes) {
            return bytes.length;
        }
        return data instanceof String s ? utf8Length(s) : 0;
    }

    static int utf8Length(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
    }
}
