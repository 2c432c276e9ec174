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
                g.writeStringField("data", Base64.getEncoder().encodeToString(bytes));
                g.writeStringField("encoding", encoding == null || encoding.isEmpty() ? "base64" : encoding + "/base64");
            }
            return;
        }
        str(g, "data", (String) data);
        str(g, "encoding", encoding);
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
