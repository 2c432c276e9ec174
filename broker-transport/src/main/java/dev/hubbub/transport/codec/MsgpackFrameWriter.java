package dev.hubbub.transport.codec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.ConnectionDetails;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes a MessagePack frame straight into a buffer. Jackson's MessagePack generator has to know a
 * map's size before its entries, so it keeps every value of a frame as a node and packs them when
 * the root closes: a tenth of the broker's CPU in a MessagePack channels run went there. Here each
 * map's entries are counted from the record first, then written.
 *
 * <p>The output is byte for byte what {@link ProtocolWriter} writes through that generator (same
 * fields, same order, the same smallest int, str and bin forms); {@code MsgpackFrameWriterTest}
 * holds the two together. A value this writer does not handle exactly (a big or decimal number in
 * extras, a node that is not plain data) throws {@link GiveUp}, and the caller writes the
 * frame through the generator instead.
 */
final class MsgpackFrameWriter {
    private MsgpackFrameWriter() {}

    /** A packed frame past this leaves the thread's scratch buffer grown only until the next frame. */
    private static final int KEPT_PACKED_BYTES = 64 * 1024;
    /**
     * This thread's buffer for a frame being packed, copied out at its size by the caller. Packed
     * straight into the caller's buffer, a MESSAGE frame overran the 256 bytes a guess starts at,
     * and growing it cost a second buffer and a copy per frame (as it had for JSON).
     */
    private static final ThreadLocal<ByteBuf> PACKING = ThreadLocal.withInitial(() -> Unpooled.buffer(1024));

    /**
     * {@code message} packed into this thread's scratch buffer, to be copied out before the thread
     * packs again; null for a frame this writer leaves to the generator.
     */
    static ByteBuf packed(ProtocolMessage message) {
        ByteBuf scratch = PACKING.get();
        if (scratch.capacity() > KEPT_PACKED_BYTES) {
            scratch = Unpooled.buffer(1024); // a large frame's buffer is not kept for every frame after it
            PACKING.set(scratch);
        }
        scratch.clear();
        try {
            write(message, scratch);
            return scratch;
        } catch (GiveUp e) {
            return null;
        }
    }

    static void write(ProtocolMessage m, ByteBuf out) throws GiveUp {
        ConnectionDetails details = m.connectionDetails();
        int n = 1 + present(m.id()) + present(m.channel()) + present(m.channelSerial()) + present(m.connectionId())
                + present(details) + present(m.count()) + present(m.error()) + present(m.flags()) + present(m.msgSerial())
                + present(m.timestamp()) + present(m.messages()) + present(m.presence()) + present(m.params())
                + present(m.res());
        mapHeader(out, n);
        num(out, "action", m.action().wire());
        str(out, "id", m.id());
        str(out, "channel", m.channel());
        str(out, "channelSerial", m.channelSerial());
        str(out, "connectionId", m.connectionId());
        if (details != null) {
            string(out, "connectionDetails");
            details(out, details);
        }
        num(out, "count", m.count());
        if (m.error() != null) {
            string(out, "error");
            error(out, m.error());
        }
        num(out, "flags", m.flags());
        num(out, "msgSerial", m.msgSerial());
        num(out, "timestamp", m.timestamp());
        if (m.messages() != null) {
            string(out, "messages");
            arrayHeader(out, m.messages().size());
            List<Message> messages = m.messages();
            for (int i = 0; i < messages.size(); i++) { // indexed: no iterator per frame
                message(out, messages.get(i));
            }
        }
        if (m.presence() != null) {
            string(out, "presence");
            arrayHeader(out, m.presence().size());
            List<PresenceMessage> presence = m.presence();
            for (int i = 0; i < presence.size(); i++) {
                presence(out, presence.get(i));
            }
        }
        if (m.params() != null) {
            string(out, "params");
            mapHeader(out, m.params().size());
            for (Map.Entry<String, String> e : m.params().entrySet()) {
                string(out, e.getKey());
                stringOrNil(out, e.getValue());
            }
        }
        if (m.res() != null) {
            string(out, "res");
            arrayHeader(out, m.res().size());
            List<PublishResult> res = m.res();
            for (int i = 0; i < res.size(); i++) {
                mapHeader(out, 1);
                string(out, "serials");
                List<String> serials = res.get(i).serials();
                arrayHeader(out, serials.size());
                for (int j = 0; j < serials.size(); j++) {
                    stringOrNil(out, serials.get(j));
                }
            }
        }
    }

    private static void message(ByteBuf out, Message m) throws GiveUp {
        Object data = ProtocolWriter.msgpackPayload(m.data(), m.encoding());
        String encoding = ProtocolWriter.msgpackEncoding(m.data(), data, m.encoding());
        int n = present(m.id()) + present(m.clientId()) + present(m.connectionId()) + present(m.name()) + present(data)
                + present(encoding) + present(m.extras()) + present(m.timestamp()) + present(m.action())
                + present(m.serial());
        mapHeader(out, n);
        str(out, "id", m.id());
        str(out, "clientId", m.clientId());
        str(out, "connectionId", m.connectionId());
        str(out, "name", m.name());
        data(out, data, encoding);
        if (m.extras() != null) {
            string(out, "extras");
            tree(out, m.extras());
        }
        num(out, "timestamp", m.timestamp());
        num(out, "action", m.action());
        str(out, "serial", m.serial());
    }

    private static void presence(ByteBuf out, PresenceMessage p) throws GiveUp {
        Object data = ProtocolWriter.msgpackPayload(p.data(), p.encoding());
        String encoding = ProtocolWriter.msgpackEncoding(p.data(), data, p.encoding());
        int n = 1 + present(p.id()) + present(p.clientId()) + present(p.connectionId()) + present(data)
                + present(encoding) + present(p.extras()) + present(p.timestamp());
        mapHeader(out, n);
        str(out, "id", p.id());
        num(out, "action", p.action().wire());
        str(out, "clientId", p.clientId());
        str(out, "connectionId", p.connectionId());
        data(out, data, encoding);
        if (p.extras() != null) {
            string(out, "extras");
            tree(out, p.extras());
        }
        num(out, "timestamp", p.timestamp());
    }

    private static void data(ByteBuf out, Object payload, String encoding) {
        if (payload instanceof byte[] bytes) {
            string(out, "data");
            binary(out, bytes);
        } else {
            str(out, "data", (String) payload);
        }
        str(out, "encoding", encoding);
    }

    private static void error(ByteBuf out, ErrorInfo e) {
        mapHeader(out, 3);
        string(out, "message");
        stringOrNil(out, e.message());
        num(out, "code", e.code());
        num(out, "statusCode", e.statusCode());
    }

    private static void details(ByteBuf out, ConnectionDetails d) {
        mapHeader(out, 5 + present(d.clientId()) + present(d.connectionKey()) + present(d.serverId()));
        str(out, "clientId", d.clientId());
        str(out, "connectionKey", d.connectionKey());
        num(out, "maxMessageSize", d.maxMessageSize());
        num(out, "maxFrameSize", d.maxFrameSize());
        num(out, "maxInboundRate", d.maxInboundRate());
        num(out, "maxIdleInterval", d.maxIdleInterval());
        num(out, "connectionStateTtl", d.connectionStateTtl());
        str(out, "serverId", d.serverId());
    }

    /** A tree (extras) as the generator writes one; anything but plain data is left to the generator. */
    private static void tree(ByteBuf out, JsonNode node) throws GiveUp {
        switch (node.getNodeType()) {
            case OBJECT -> {
                mapHeader(out, node.size());
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    string(out, e.getKey());
                    tree(out, e.getValue());
                }
            }
            case ARRAY -> {
                arrayHeader(out, node.size());
                for (JsonNode item : node) {
                    tree(out, item);
                }
            }
            case STRING -> string(out, node.textValue());
            case BOOLEAN -> out.writeByte(node.booleanValue() ? 0xc3 : 0xc2);
            case NULL -> out.writeByte(0xc0);
            case BINARY -> binary(out, binaryValue(node));
            case NUMBER -> number(out, node);
            default -> throw GiveUp.INSTANCE; // MISSING, POJO
        }
    }

    private static void number(ByteBuf out, JsonNode node) throws GiveUp {
        switch (node.numberType()) {
            case INT, LONG -> integer(out, node.longValue());
            case DOUBLE -> {
                out.writeByte(0xcb);
                out.writeLong(Double.doubleToRawLongBits(node.doubleValue()));
            }
            case FLOAT -> {
                out.writeByte(0xca);
                out.writeInt(Float.floatToRawIntBits(node.floatValue()));
            }
            default -> throw GiveUp.INSTANCE; // BIG_INTEGER, BIG_DECIMAL
        }
    }

    private static byte[] binaryValue(JsonNode node) throws GiveUp {
        try {
            return node.binaryValue();
        } catch (java.io.IOException e) {
            throw GiveUp.INSTANCE;
        }
    }

    private static int present(Object value) { return value == null ? 0 : 1; }

    private static void str(ByteBuf out, String name, String value) {
        if (value != null) {
            string(out, name);
            string(out, value);
        }
    }

    private static void num(ByteBuf out, String name, Number value) {
        if (value != null) {
            num(out, name, value.longValue());
        }
    }

    private static void num(ByteBuf out, String name, long value) {
        string(out, name);
        integer(out, value);
    }

    private static void stringOrNil(ByteBuf out, String s) {
        if (s == null) {
            out.writeByte(0xc0);
        } else {
            string(out, s);
        }
    }

    /** str in its smallest form; ASCII written char by char, anything else as String.getBytes encodes it. */
    static void string(ByteBuf out, String s) {
        int n = s.length();
        if (isAscii(s, n)) {
            strHeader(out, n);
            ByteBufUtil.writeAscii(out, s);
            return;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8); // a lone surrogate becomes '?', as msgpack-core writes it
        strHeader(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static boolean isAscii(String s, int n) {
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static void strHeader(ByteBuf out, int n) {
        if (n < 32) {
            out.writeByte(0xa0 | n);
        } else if (n < 256) {
            out.writeByte(0xd9);
            out.writeByte(n);
        } else if (n < 65536) {
            out.writeByte(0xda);
            out.writeShort(n);
        } else {
            out.writeByte(0xdb);
            out.writeInt(n);
        }
    }

    private static void binary(ByteBuf out, byte[] bytes) {
        int n = bytes.length;
        if (n < 256) {
            out.writeByte(0xc4);
            out.writeByte(n);
        } else if (n < 65536) {
            out.writeByte(0xc5);
            out.writeShort(n);
        } else {
            out.writeByte(0xc6);
            out.writeInt(n);
        }
        out.writeBytes(bytes);
    }

    private static void mapHeader(ByteBuf out, int n) {
        if (n < 16) {
            out.writeByte(0x80 | n);
        } else if (n < 65536) {
            out.writeByte(0xde);
            out.writeShort(n);
        } else {
            out.writeByte(0xdf);
            out.writeInt(n);
        }
    }

    private static void arrayHeader(ByteBuf out, int n) {
        if (n < 16) {
            out.writeByte(0x90 | n);
        } else if (n < 65536) {
            out.writeByte(0xdc);
            out.writeShort(n);
        } else {
            out.writeByte(0xdd);
            out.writeInt(n);
        }
    }

    /** An int in the smallest MessagePack form that holds it, as msgpack-core's packLong chooses. */
    static void integer(ByteBuf out, long v) {
        if (v < -(1L << 5)) {
            if (v < -(1L << 15)) {
                if (v < -(1L << 31)) {
                    out.writeByte(0xd3);
                    out.writeLong(v);
                } else {
                    out.writeByte(0xd2);
                    out.writeInt((int) v);
                }
            } else if (v < -(1 << 7)) {
                out.writeByte(0xd1);
                out.writeShort((int) v);
            } else {
                out.writeByte(0xd0);
                out.writeByte((int) v);
            }
        } else if (v < (1 << 7)) {
            out.writeByte((int) v); // positive or negative fixint
        } else if (v < (1L << 16)) {
            if (v < (1 << 8)) {
                out.writeByte(0xcc);
                out.writeByte((int) v);
            } else {
                out.writeByte(0xcd);
                out.writeShort((int) v);
            }
        } else if (v < (1L << 32)) {
            out.writeByte(0xce);
            out.writeInt((int) v);
        } else {
            out.writeByte(0xcf);
            out.writeLong(v);
        }
    }
}
