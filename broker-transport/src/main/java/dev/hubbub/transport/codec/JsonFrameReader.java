package dev.hubbub.transport.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fast path for a JSON realtime frame: read straight off the parser's tokens into a
 * {@link ProtocolMessage}, without a tree for the frame, its messages and their fields (the tree
 * was a third of what the broker allocated per published message). Only what is rare or nested
 * (presence, params, auth, a message's extras and object data) is read as a tree, for the same
 * field readers as the tree path.
 *
 * <p>It accepts only what it can read exactly as the tree path would: at the first thing that is
 * not plainly valid (a wrong type, a bad value, malformed or trailing JSON) it gives up with
 * {@link GiveUp}, and the caller decodes the frame again through the tree path, which produces
 * the error and salvages the msgSerial and channel as it always has. A field given twice takes its
 * last value, as in the tree.
 */
final class JsonFrameReader {
    private JsonFrameReader() {}

    /**
     * Reads one whole frame from {@code p} (positioned before its first token); {@code trees} reads
     * the nested values it keeps as trees, and must not insist on the end of input after them.
     */
    static ProtocolMessage read(JsonParser p, ObjectReader trees) throws IOException, GiveUp {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw GiveUp.INSTANCE;
        }
        Integer action = null;
        String id = null;
        String channel = null;
        String channelSerial = null;
        String connectionId = null;
        Integer count = null;
        Integer flags = null;
        Long msgSerial = null;
        List<Message> messages = null;
        JsonNode presence = null;
        Long timestamp = null;
        JsonNode auth = null;
        JsonNode params = null;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "action" -> action = integer(p, v);
                case "id" -> id = text(p, v);
                case "channel" -> channel = text(p, v);
                case "channelSerial" -> channelSerial = text(p, v);
                case "connectionId" -> connectionId = text(p, v);
                case "count" -> count = integer(p, v);
                case "flags" -> flags = integer(p, v);
                case "msgSerial" -> msgSerial = longValue(p, v);
                case "messages" -> messages = messages(p, v, trees);
                case "presence" -> presence = tree(p, v, trees);
                case "timestamp" -> timestamp = longValue(p, v);
                case "auth" -> auth = tree(p, v, trees);
                case "params" -> params = tree(p, v, trees);
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw GiveUp.INSTANCE; // malformed, or something after the frame: the tree path says which
        }
        Action a = action == null ? null : Action.fromWire(action);
        if (a == null) {
            throw GiveUp.INSTANCE;
        }
        String accessToken = null;
        try {
            if (auth != null && !auth.isNull()) {
                if (!auth.isObject()) {
                    throw GiveUp.INSTANCE;
                }
                accessToken = MessageReader.text(auth, "accessToken");
            }
            Map<String, String> paramMap = ProtocolCodec.params(params);
            return new ProtocolMessage(a, id, channel, channelSerial, connectionId, null, count, null, flags, msgSerial,
                    messages, presence == null || presence.isNull() ? null : MessageReader.presence(presence),
                    timestamp, accessToken, paramMap, null);
        } catch (DecodeException e) {
            throw GiveUp.INSTANCE;
        }
    }

    private static List<Message> messages(JsonParser p, JsonToken v, ObjectReader trees) throws IOException, GiveUp {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.START_ARRAY) {
            throw GiveUp.INSTANCE;
        }
        List<Message> out = new ArrayList<>(1);
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (t != JsonToken.START_OBJECT) {
                throw GiveUp.INSTANCE;
            }
            out.add(message(p, trees));
        }
        return out;
    }

    /** One message object, its START_OBJECT just read. */
    private static Message message(JsonParser p, ObjectReader trees) throws IOException, GiveUp {
        String id = null;
        String clientId = null;
        String connectionId = null;
        String connectionKey = null;
        String name = null;
        String encoding = null;
        Integer action = null;
        Object data = null; // a String, or a JsonNode (object or array) until the encoding is known
        JsonNode extras = null;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "id" -> id = text(p, v);
                case "clientId" -> clientId = text(p, v);
                case "connectionId" -> connectionId = text(p, v);
                case "connectionKey" -> connectionKey = text(p, v);
                case "name" -> name = text(p, v);
                case "encoding" -> encoding = text(p, v);
                case "action" -> action = integer(p, v);
                case "data" -> data = data(p, v, trees);
                case "extras" -> extras = tree(p, v, trees);
                default -> p.skipChildren();
            }
        }
        if (action != null && action < 0) {
            throw GiveUp.INSTANCE;
        }
        if (data instanceof JsonNode structured) {
            data = structured.toString();
            encoding = encoding == null || encoding.isEmpty() ? "json" : encoding + "/json";
        }
        if (extras != null && extras.isNull()) {
            extras = null;
        }
        if (extras != null) {
            try {
                extras = MessageReader.extrasValue(extras);
            } catch (DecodeException e) {
                throw GiveUp.INSTANCE;
            }
        }
        return new Message(id, clientId, connectionId, connectionKey, name, data, encoding, extras, null, action, null);
    }

    /** A string, null, or an object or array as a tree; anything else is the tree path's error. */
    private static Object data(JsonParser p, JsonToken v, ObjectReader trees) throws IOException, GiveUp {
        return switch (v) {
            case VALUE_NULL -> null;
            case VALUE_STRING -> p.getText();
            case START_OBJECT, START_ARRAY -> trees.readTree(p);
            default -> throw GiveUp.INSTANCE;
        };
    }

    private static JsonNode tree(JsonParser p, JsonToken v, ObjectReader trees) throws IOException {
        return v == JsonToken.VALUE_NULL ? null : trees.readTree(p);
    }

    private static String text(JsonParser p, JsonToken v) throws IOException, GiveUp {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        throw GiveUp.INSTANCE;
    }

    private static Long longValue(JsonParser p, JsonToken v) throws IOException, GiveUp {
        if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            return p.getLongValue();
        }
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        throw GiveUp.INSTANCE;
    }

    private static Integer integer(JsonParser p, JsonToken v) throws IOException, GiveUp {
        Long l = longValue(p, v);
        if (l != null && (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE)) {
            throw GiveUp.INSTANCE;
        }
        return l == null ? null : l.intValue();
    }
}
