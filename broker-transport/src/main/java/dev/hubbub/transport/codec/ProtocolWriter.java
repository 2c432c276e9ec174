package dev.hubbub.transport.codec;

import com.fasterxml.jackson.core.JsonGenerator;
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
    private final boolean binary;

    ProtocolWriter(WireFormat format) { this.binary = format.isBinary(); }

    void write(JsonGenerator g, ProtocolMessage m) throws IOException {
        g.writeStartObject();
        g.writeNumberField("action", m.action().wire());
        str(g, "id", m.id());
        str(g, "channel", m.channel());
        str(g, "channelSerial", m.channelSerial());
        str(g, "connectionId", m.connectionId());
        if (m.connectionDetails() != null) {
            details(g, m.connectionDetails());
        }
        num(g, "count", m.count());
        if (m.error() != null) {
            g.writeFieldName("error");
            error(g, m.error());
        }
        num(g, "flags", m.flags());
        num(g, "msgSerial", m.msgSerial());
        num(g, "timestamp", m.timestamp());
        if (m.messages() != null) {
            g.writeArrayFieldStart("messages");
            for (Message msg : m.messages()) {
                message(g, msg);
            }
            g.writeEndArray();
        }
        if (m.presence() != null) {
            g.writeArrayFieldStart("presence");
            for (PresenceMessage p : m.presence()) {
                presence(g, p);
            }
            g.writeEndArray();
        }
        if (m.params() != null) {
            g.writeObjectFieldStart("params");
            for (Map.Entry<String, String> e : m.params().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
        if (m.res() != null) {
            g.writeArrayFieldStart("res");
            for (PublishResult r : m.res()) {
                g.writeStartObject();
                g.writeArrayFieldStart("serials");
                for (String s : r.serials()) {
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
        str(g, "id", m.id());
        str(g, "clientId", m.clientId());
        str(g, "connectionId", m.connectionId());
        str(g, "name", m.name());
        data(g, m.data(), m.encoding());
        if (m.extras() != null) {
            g.writeFieldName("extras");
            g.writeTree(m.extras());
        }
        num(g, "timestamp", m.timestamp());
        // action and serial are v4+ fields; ably-java 1.2.54 (v=2) reads both (unpackInt, unpackString) and
        // maps an action it does not know to null. No v4 'version' object: that release reads 'version'
        // with unpackString and would fail on the frame.
        num(g, "action", m.action());
        str(g, "serial", m.serial());
        g.writeEndObject();
    }

    void presence(JsonGenerator g, PresenceMessage p) throws IOException {
        g.writeStartObject();
        str(g, "id", p.id());
        g.writeNumberField("action", p.action().wire());
        str(g, "clientId", p.clientId());
        str(g, "connectionId", p.connectionId());
        data(g, p.data(), p.encoding());
        if (p.extras() != null) {
            g.writeFieldName("extras");
            g.writeTree(p.extras());
        }
        num(g, "timestamp", p.timestamp());
        g.writeEndObject();
    }

    private void data(JsonGenerator g, Object data, String encoding) throws IOException {
        if (data instanceof byte[] bytes) {
            if (binary) {
                g.writeFieldName("data");
                g.writeBinary(bytes);
                str(g, "encoding", encoding);
            } else {
                // JSON cannot carry binary: base64 text, and a base64 step the SDK undoes first
                g.writeStringField("data", Base64.getEncoder().encodeToString(bytes));
                g.writeStringField("encoding", encoding == null || encoding.isEmpty() ? "base64" : encoding + "/base64");
            }
            return;
        }
        String text = (String) data;
        if (binary && text != null && isLastStep(encoding, "base64")) {
            // A JSON publisher's binary (base64 text ending in a base64 step) goes to MessagePack
            // subscribers as bin with that last step removed, as Ably's service does. Either form
            // decodes to the same bytes in every SDK, but this way a MessagePack subscriber gets
            // binary whichever format the publisher used, and the frame is a quarter smaller. Text
            // that is not valid base64 is passed on as published, step and all: the broker never
            // invents or drops data. Encoded once per format per fan-out (NettyFanOut), so the decode is too.
            byte[] bytes = decodeBase64(text);
            if (bytes != null) {
                g.writeFieldName("data");
                g.writeBinary(bytes);
                int slash = encoding.lastIndexOf('/');
                str(g, "encoding", slash < 0 ? null : encoding.substring(0, slash));
                return;
            }
        }
        str(g, "data", text);
        str(g, "encoding", encoding);
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

    private static void num(JsonGenerator g, String name, Number value) throws IOException {
        if (value != null) {
            g.writeNumberField(name, value.longValue());
        }
    }

}
