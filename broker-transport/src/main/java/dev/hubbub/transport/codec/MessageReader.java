package dev.hubbub.transport.codec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Message and PresenceMessage objects from a decoded tree (JSON or MessagePack), checking
 * every field's type. Unknown fields are ignored (the SDKs send extra ones such as {@code size}).
 */
public final class MessageReader {
    private MessageReader() {}

    public static List<Message> messages(JsonNode node, String field) throws DecodeException {
        if (!node.isArray()) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid type for field '" + field + "': expected an array");
        }
        List<Message> out = new ArrayList<>(node.size());
        for (JsonNode m : node) {
            out.add(message(m));
        }
        return out;
    }

    public static Message message(JsonNode m) throws DecodeException {
        if (!m.isObject()) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid message: expected an object");
        }
        String encoding = text(m, "encoding");
        Object[] data = data(m.get("data"), encoding);
        Integer action = integer(m, "action");
        if (action != null && action < 0) {
            // relayed to subscribers: ably-java indexes its action table with it and would fail on the frame
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid message action: " + action);
        }
        return new Message(text(m, "id"), clientId(m), text(m, "connectionId"), text(m, "connectionKey"), text(m, "name"),
                data[0], (String) data[1], extras(m), null, action, null);
    }

    public static List<PresenceMessage> presence(JsonNode node) throws DecodeException {
        if (!node.isArray()) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid type for field 'presence': expected an array");
        }
        List<PresenceMessage> out = new ArrayList<>(node.size());
        for (JsonNode p : node) {
            if (!p.isObject()) {
                throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid presence message: expected an object");
            }
            Integer actionWire = integer(p, "action");
            PresenceAction action = actionWire == null ? null : PresenceAction.fromWire(actionWire);
            if (action == null) {
                throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid presence action: " + p.get("action"));
            }
            String encoding = text(p, "encoding");
            Object[] data = data(p.get("data"), encoding);
            out.add(new PresenceMessage(text(p, "id"), action, clientId(p), text(p, "connectionId"), data[0],
                    (String) data[1], extras(p), null));
        }
        return out;
    }

    /** data as String or byte[]; JSON objects and arrays are stringified with a {@code json} encoding step. */
    static Object[] data(JsonNode d, String encoding) throws DecodeException {
        if (d == null || d.isNull()) {
            return new Object[] {null, encoding};
        }
        if (d.isTextual()) {
            return new Object[] {d.textValue(), encoding};
        }
        if (d.isBinary()) {
            try {
                return new Object[] {d.binaryValue(), encoding};
            } catch (java.io.IOException e) {
                throw new DecodeException(ErrorCode.INVALID_DATA, "Invalid binary data");
            }
        }
        if (d.isObject() || d.isArray()) {
            return new Object[] {d.toString(), encoding == null || encoding.isEmpty() ? "json" : encoding + "/json"};
        }
        throw new DecodeException(ErrorCode.INVALID_DATA,
                "Invalid message data: expected a string, binary, object or array, got " + d.getNodeType().name().toLowerCase());
    }

    static String clientId(JsonNode m) throws DecodeException {
        JsonNode v = m.get("clientId");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new DecodeException(ErrorCode.INVALID_CLIENT_ID, "Malformed message; invalid clientId: not a string");
        }
        return v.textValue();
    }

    /** Deepest nesting accepted inside {@code extras}. */
    static final int MAX_EXTRAS_DEPTH = 32;

    private static int depth(JsonNode node, int level) {
        if (level > MAX_EXTRAS_DEPTH || !node.isContainerNode()) {
            return level;
        }
        int max = level + 1;
        for (JsonNode child : node) {
            max = Math.max(max, depth(child, level + 1));
            if (max > MAX_EXTRAS_DEPTH) {
                break;
            }
        }
        return max;
    }

    static JsonNode extras(JsonNode m) throws DecodeException {
        JsonNode v = m.get("extras");
        if (v == null || v.isNull()) {
            return null;
        }
        return extrasValue(v);
    }

    /** A message's {@code extras} value (not null): checked and returned, or refused. */
    static JsonNode extrasValue(JsonNode v) throws DecodeException {
        if (!v.isObject()) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid type for field 'extras': expected an object");
        }
        if (depth(v, 0) > MAX_EXTRAS_DEPTH) {
            // bounded well below what the encoders accept, so an accepted message can always be delivered
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid extras: nested deeper than " + MAX_EXTRAS_DEPTH + " levels");
        }
        // extras pass through to every subscriber; ably-java reads extras.delta as {format, from}
        // strings and fails on the whole frame otherwise, so a malformed one is refused here
        JsonNode delta = v.get("delta");
        if (delta != null && !(delta.isObject() && delta.path("format").isTextual() && delta.path("from").isTextual())) {
            throw new DecodeException(ErrorCode.BAD_REQUEST,
                    "Invalid field 'extras.delta': expected an object with string 'format' and 'from'");
        }
        return v;
    }

    public static String text(JsonNode node, String field) throws DecodeException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid type for field '" + field + "': expected a string");
        }
        return v.textValue();
    }

    public static Integer integer(JsonNode node, String field) throws DecodeException {
        Long v = longValue(node, field);
        if (v == null) {
            return null;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid value for field '" + field + "': out of range");
        }
        return v.intValue();
    }

    public static Long longValue(JsonNode node, String field) throws DecodeException {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid type for field '" + field + "': expected an integer");
        }
        return v.longValue();
    }
}
