package dev.hubbub.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Presence as Redis keeps it. A member is {@code {"n": owning node, "m": member}}, in the channel's
 * members hash under {@link #field}; a presence entry of the channel's log (and its announcement)
 * is {@code {"o": owner, "b": frame id, "t": timestamp, "ev": [events], "pr": [member or null]}}.
 * The field names of a member match what presence.lua and reap.lua read.
 */
final class StoredPresence {
    private StoredPresence() {}

    /** The members-hash field of one member: its connection and clientId, unambiguously. */
    static String field(String connectionId, String clientId) {
        ArrayNode a = StoredMessages.JSON.createArrayNode();
        a.add(connectionId);
        a.add(clientId);
        return a.toString();
    }

    static ObjectNode write(PresenceMessage p) {
        ObjectNode o = StoredMessages.JSON.createObjectNode();
        put(o, "id", p.id());
        o.put("a", p.action().wire());
        put(o, "clientId", p.clientId());
        put(o, "connectionId", p.connectionId());
        if (p.data() instanceof byte[] bytes) {
            o.put("data", Base64.getEncoder().encodeToString(bytes));
            o.put("b", 1);
        } else if (p.data() instanceof String text) {
            o.put("data", text);
        }
        put(o, "encoding", p.encoding());
        if (p.extras() != null) {
            o.set("extras", p.extras());
        }
        if (p.timestamp() != null) {
            o.put("timestamp", p.timestamp());
        }
        return o;
    }

    static PresenceMessage read(JsonNode o) {
        Object data = null;
        JsonNode d = o.get("data");
        if (d != null && !d.isNull()) {
            data = o.has("b") ? Base64.getDecoder().decode(d.asText()) : d.asText();
        }
        JsonNode x = o.get("extras");
        return new PresenceMessage(text(o, "id"), PresenceAction.fromWire(o.path("a").asInt()), text(o, "clientId"),
                text(o, "connectionId"), data, text(o, "encoding"), x == null || x.isNull() ? null : x,
                o.has("timestamp") ? o.get("timestamp").asLong() : null);
    }

    /** A member record for the members hash. */
    static String member(String nodeId, PresenceMessage present) {
        ObjectNode o = StoredMessages.JSON.createObjectNode();
        o.put("n", nodeId);
        o.set("m", write(present));
        return o.toString();
    }

    /** A presence entry: the events of one frame and the members as they stand after each. */
    static String entry(String owner, String frameId, long timestamp, List<PresenceMessage> events, List<PresenceMessage> present) {
        ObjectNode o = StoredMessages.JSON.createObjectNode();
        put(o, "o", owner);
        put(o, "b", frameId);
        o.put("t", timestamp);
        ArrayNode ev = o.putArray("ev");
        ArrayNode pr = o.putArray("pr");
        for (int i = 0; i < events.size(); i++) {
            ev.add(write(events.get(i)));
            PresenceMessage p = i < present.size() ? present.get(i) : null;
            if (p == null) {
                pr.addNull();
            } else {
                pr.add(write(p));
            }
        }
        return o.toString();
    }

    static List<PresenceMessage> list(JsonNode array, boolean nullable) {
        List<PresenceMessage> out = new ArrayList<>(array.size());
        for (JsonNode n : array) {
            out.add(n.isNull() && nullable ? null : read(n));
        }
        return out;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static void put(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }
}
