package dev.hubbub.transport.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import dev.hubbub.core.protocol.ConnectionDetails;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes ProtocolMessages field by field with a streaming generator. Absent fields are left out,
 * never written as null. Binary data goes out as MessagePack bin, or base64 with a {@code base64}
 * encoding step in JSON.
 *
 * <p>Field types are those ably-java's MessagePack readers ask for ({@code unpackInt} for action,
 * flags, count, code, statusCode, maxMessageSize and presence action; {@code unpackLong} for
 * msgSerial, timestamp and the other connectionDetails numbers; {@code unpackString} for ids,
 * names, encoding and params values; str or bin for data; a map for extras and error). Numbers are
 * written in the smallest MessagePack int that holds them, so any int-typed field fits an int.
 */
final class ProtocolWriter {
    // field names of the frames sent most (MESSAGE, ACK, PRESENCE): kept encoded, not escaped and encoded per write
    private static final SerializedString F_ACTION = new SerializedString("action");
    private static final SerializedString F_ID = new SerializedString("id");
    private static final SerializedString F_CHANNEL = new SerializedString("channel");
    private static final SerializedString F_CHANNEL_SERIAL = new SerializedString("channelSerial");
    private static final SerializedString F_CONNECTION_ID = new SerializedString("connectionId");
    private static final SerializedString F_COUNT = new SerializedString("count");
    private static final SerializedString F_ERROR = new SerializedString("error");
    private static final SerializedString F_FLAGS = new SerializedString("flags");
    private static final SerializedString F_MSG_SERIAL = new SerializedString("msgSerial");
    private static final SerializedString F_TIMESTAMP = new SerializedString("timestamp");
    private static final SerializedString F_MESSAGES = new SerializedString("messages");
    private static final SerializedString F_PRESENCE = new SerializedString("presence");
    private static final SerializedString F_PARAMS = new SerializedString("params");
    private static final SerializedString F_RES = new SerializedString("res");
    private static final SerializedString F_SERIALS = new SerializedString("serials");
    private static final SerializedString F_CLIENT_ID = new SerializedString("clientId");
    private static final SerializedString F_NAME = new SerializedString("name");
    private static final SerializedString F_EXTRAS = new SerializedString("extras");
    private static final SerializedString F_SERIAL = new SerializedString("serial");
    private static final SerializedString F_DATA = new SerializedString("data");
    private static final SerializedString F_ENCODING = new SerializedString("encoding");

    private final boolean binary;

    ProtocolWriter(WireFormat format) { this.binary = format.isBinary(); }

    void write(JsonGenerator g, ProtocolMessage m) throws IOException {
        g.writeStartObject();
        num(g, F_ACTION, m.action().wire());
        str(g, F_ID, m.id());
        str(g, F_CHANNEL, m.channel());
        str(g, F_CHANNEL_SERIAL, m.channelSerial());
        str(g, F_CONNECTION_ID, m.connectionId());
        if (m.connectionDetails() != null) {
            details(g, m.connectionDetails());
        }
        num(g, F_COUNT, m.count());
        if (m.error() != null) {
            g.writeFieldName(F_ERROR);
            error(g, m.error());
        }
        num(g, F_FLAGS, m.flags());
        num(g, F_MSG_SERIAL, m.msgSerial());
        num(g, F_TIMESTAMP, m.timestamp());
        if (m.messages() != null) {
            g.writeFieldName(F_MESSAGES);
            g.writeStartArray();
            List<Message> messages = m.messages();
            for (int i = 0; i < messages.size(); i++) { // indexed: an iterator per frame was a tenth of its garbage
                message(g, messages.get(i));
            }
            g.writeEndArray();
        }
        if (m.presence() != null) {
            g.writeFieldName(F_PRESENCE);
            g.writeStartArray();
            List<PresenceMessage> presence = m.presence();
            for (int i = 0; i < presence.size(); i++) {
                presence(g, presence.get(i));
            }
            g.writeEndArray();
        }
        if (m.params() != null) {
            g.writeFieldName(F_PARAMS);
            g.writeStartObject();
            for (Map.Entry<String, String> e : m.params().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
        if (m.res() != null) {
            g.writeFieldName(F_RES);
            g.writeStartArray();
            List<PublishResult> res = m.res();
            for (int i = 0; i < res.size(); i++) {
                List<String> serials = res.get(i).serials();
                g.writeStartObject();
                g.writeFieldName(F_SERIALS);
                g.writeStartArray();
                for (int j = 0; j < serials.size(); j++) {
                    String s = serials.get(j);
                    if (s == null) {
                        g.writeNull();
                    } else {
                        g.writeString(s);
                    }
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    void message(JsonGenerator g, Message m) throws IOException {
        g.writeStartObject();
        str(g, F_ID, m.id());
        str(g, F_CLIENT_ID, m.clientId());
        str(g, F_CONNECTION_ID, m.connectionId());
        str(g, F_NAME, m.name());
        data(g, m.data(), m.encoding());
        if (m.extras() != null) {
            g.writeFieldName(F_EXTRAS);
            g.writeTree(m.extras());
        }
        num(g, F_TIMESTAMP, m.timestamp());
        // action and serial are v4+ fields; ably-java 1.2.54 (v=2) reads both (unpackInt, unpackString) and
        // maps an action it does not know to null. No v4 'version' object: that release reads 'version'
        // with unpackString and would fail on the frame.
        num(g, F_ACTION, m.action());
        str(g, F_SERIAL, m.serial());
        g.writeEndObject();
    }

    void presence(JsonGenerator g, PresenceMessage p) throws IOException {
        g.writeStartObject();
        str(g, F_ID, p.id());
        num(g, F_ACTION, p.action().wire());
        str(g, F_CLIENT_ID, p.clientId());
        str(g, F_CONNECTION_ID, p.connectionId());
        data(g, p.data(), p.encoding());
        if (p.extras() != null) {
            g.writeFieldName(F_EXTRAS);
            g.writeTree(p.extras());
        }
        num(g, F_TIMESTAMP, p.timestamp());
        g.writeEndObject();
    }

    private void data(JsonGenerator g, Object data, String encoding) throws IOException {
        if (binary) {
            Object payload = msgpackPayload(data, encoding);
            if (payload instanceof byte[] bytes) {
                g.writeFieldName(F_DATA);
                g.writeBinary(bytes);
            } else {
                str(g, F_DATA, (String) payload);
            }
            str(g, F_ENCODING, msgpackEncoding(data, payload, encoding));
            return;
        }
        if (data instanceof byte[] bytes) {
            str(g, F_DATA, Base64.getEncoder().encodeToString(bytes));
            str(g, F_ENCODING, jsonBinaryEncoding(encoding));
            return;
        }
        str(g, F_DATA, (String) data);
        str(g, F_ENCODING, encoding);
    }

    /**
     * The encoding sent with binary data in JSON, which cannot carry it: the data goes as base64
     * text, and this adds the base64 step the SDK undoes first. Shared with {@link JsonFrameWriter}.
     */
    static String jsonBinaryEncoding(String encoding) {
        return encoding == null || encoding.isEmpty() ? "base64" : encoding + "/base64";
    }

    /**
     * What a MessagePack frame carries as data: bytes as bin, and any other text as it is. A JSON
     * publisher's binary (base64 text ending in a base64 step) goes to MessagePack subscribers as
     * bin with that last step removed, as Ably's service does. Either form decodes to the same bytes
     * in every SDK, but this way a MessagePack subscriber gets binary whichever format the publisher
     * used, and the frame is a quarter smaller. Text that is not valid base64 is passed on as
     * published, step and all: the broker never invents or drops data. Encoded once per format per
     * fan-out (NettyFanOut), so the decode is too. Shared with {@link MsgpackFrameWriter}.
     */
    static Object msgpackPayload(Object data, String encoding) {
        if (data instanceof String text && isLastStep(encoding, "base64")) {
            byte[] bytes = decodeBase64(text);
            return bytes == null ? text : bytes;
        }
        return data;
    }

    /** The encoding sent with {@link #msgpackPayload}: without its base64 step when base64 text became bin. */
    static String msgpackEncoding(Object data, Object payload, String encoding) {
        if (data instanceof String && payload instanceof byte[]) {
            int slash = encoding.lastIndexOf('/');
            return slash < 0 ? null : encoding.substring(0, slash);
        }
        return encoding;
    }

    static boolean isLastStep(String encoding, String step) {
        return encoding != null && encoding.endsWith(step)
                && (encoding.length() == step.length() || encoding.charAt(encoding.length() - step.length() - 1) == '/');
    }

    private static byte[] decodeBase64(String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static void error(JsonGenerator g, ErrorInfo e) throws IOException {
        g.writeStartObject();
        g.writeStringField("message", e.message());
        g.writeNumberField("code", e.code());
        g.writeNumberField("statusCode", e.statusCode());
        g.writeEndObject();
    }

    private static void details(JsonGenerator g, ConnectionDetails d) throws IOException {
        g.writeObjectFieldStart("connectionDetails");
        str(g, "clientId", d.clientId());
        str(g, "connectionKey", d.connectionKey());
        g.writeNumberField("maxMessageSize", d.maxMessageSize());
        g.writeNumberField("maxFrameSize", d.maxFrameSize());
        g.writeNumberField("maxInboundRate", d.maxInboundRate());
        g.writeNumberField("maxIdleInterval", d.maxIdleInterval());
        g.writeNumberField("connectionStateTtl", d.connectionStateTtl());
        str(g, "serverId", d.serverId());
        g.writeEndObject();
    }

    private static void str(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static void str(JsonGenerator g, SerializedString name, String value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeString(value);
        }
    }

    private static void num(JsonGenerator g, SerializedString name, Number value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeNumber(value.longValue());
        }
    }

    private static void num(JsonGenerator g, SerializedString name, long value) throws IOException {
        g.writeFieldName(name);
        g.writeNumber(value);
    }

}
