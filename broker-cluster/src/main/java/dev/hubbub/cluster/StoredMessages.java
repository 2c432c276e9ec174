package dev.hubbub.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.Message;
import java.util.Base64;

/**
 * A message as Redis keeps and announces it: compact JSON of everything but its serial (which
 * its position in the channel's log gives). Binary data is base64 with {@code "b":1}.
 */
final class StoredMessages {
    static final ObjectMapper JSON = new ObjectMapper();

    private StoredMessages() {}

    static String write(Message m) {
        ObjectNode o = JSON.createObjectNode();
        putIf(o, "id", m.id());
        putIf(o, "c", m.clientId());
        putIf(o, "k", m.connectionId());
        putIf(o, "n", m.name());
        if (m.data() instanceof byte[] bytes) {
            o.put("d", Base64.getEncoder().encodeToString(bytes));
            o.put("b", 1);
        } else if (m.data() instanceof String text) {
            o.put("d", text);
        }
        putIf(o, "e", m.encoding());
        if (m.extras() != null) {
            o.set("x", m.extras());
        }
        if (m.timestamp() != null) {
            o.put("t", m.timestamp());
        }
        if (m.action() != null) {
            o.put("a", m.action());
        }
        return o.toString();
    }

    static Message read(JsonNode o, String serial) {
        Object data = null;
        JsonNode d = o.get("d");
        if (d != null && !d.isNull()) {
            data = o.has("b") ? Base64.getDecoder().decode(d.asText()) : d.asText();
        }
        JsonNode x = o.get("x");
        return new Message(text(o, "id"), text(o, "c"), text(o, "k"), null, text(o, "n"), data, text(o, "e"),
                x == null || x.isNull() ? null : x, o.has("t") ? o.get("t").asLong() : null,
                o.has("a") ? o.get("a").asInt() : null, serial);
    }

    static Message read(String json, String serial) {
        try {
            return read(JSON.readTree(json), serial);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable message in Redis", e);
        }
    }

    /** A JSON string literal (quotes included), or {@code null}. */
    static String literal(String s) {
        return s == null ? "null" : JSON.getNodeFactory().textNode(s).toString();
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static void putIf(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }
}
