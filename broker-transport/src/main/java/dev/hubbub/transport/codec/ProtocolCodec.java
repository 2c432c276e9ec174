package dev.hubbub.transport.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ProtocolMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * Realtime ProtocolMessage codec for one wire format. The same tree-reading and streaming-writing
 * code serves JSON and MessagePack through Jackson's format-neutral API. Thread-safe.
 */
public final class ProtocolCodec {
    private static final ProtocolCodec JSON = new ProtocolCodec(WireFormat.JSON, new JsonFactory());
    private static final ProtocolCodec MSGPACK = new ProtocolCodec(WireFormat.MSGPACK, new MessagePackFactory());

    private final WireFormat format;
    private final ObjectMapper mapper;
    private final ProtocolWriter writer;

    private ProtocolCodec(WireFormat format, JsonFactory factory) {
        this.format = format;
        this.mapper = new ObjectMapper(factory);
        this.writer = new ProtocolWriter(format);
    }

    public static ProtocolCodec of(WireFormat format) { return format == WireFormat.JSON ? JSON : MSGPACK; }

    public WireFormat format() { return format; }

    public ObjectMapper mapper() { return mapper; }

    /** Decodes one frame's bytes. Never throws: a bad frame yields a failed result. */
    public DecodeResult decode(ByteBuf bytes) {
        JsonNode root;
        try {
            root = mapper.readTree(new ByteBufInputStream(bytes.duplicate()));
        } catch (IOException | RuntimeException e) {
            return DecodeResult.failed(ErrorCode.BAD_REQUEST.info("Malformed " + format.name() + " frame: "
                    + shortReason(e)), null, null);
        }
        if (root == null || !root.isObject()) {
            return DecodeResult.failed(ErrorCode.BAD_REQUEST.info("Malformed frame: expected a " + format.name() + " object"), null, null);
        }
        Long msgSerial = root.path("msgSerial").canConvertToLong() && root.path("msgSerial").isIntegralNumber()
                ? root.get("msgSerial").longValue() : null;
        String channel = root.path("channel").isTextual() ? root.get("channel").textValue() : null;
        try {
            return DecodeResult.ok(read(root));
        } catch (DecodeException e) {
            return DecodeResult.failed(e.error(), msgSerial, channel);
        }
    }

    private ProtocolMessage read(JsonNode root) throws DecodeException {
        Integer actionWire = MessageReader.integer(root, "action");
        if (actionWire == null) {
            throw new DecodeException(ErrorCode.PROTOCOL_ERROR, "Frame has no action");
        }
        Action action = Action.fromWire(actionWire);
        if (action == null) {
            throw new DecodeException(ErrorCode.PROTOCOL_ERROR, "Unknown action " + actionWire);
        }
        JsonNode messagesNode = root.get("messages");
        JsonNode presenceNode = root.get("presence");
        String accessToken = null;
        JsonNode auth = root.get("auth");
        if (auth != null && !auth.isNull()) {
            if (!auth.isObject()) {
                throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid type for field 'auth': expected an object");
            }
            accessToken = MessageReader.text(auth, "accessToken");
        }
        return new ProtocolMessage(
                action,
                MessageReader.text(root, "id"),
                MessageReader.text(root, "channel"),
                MessageReader.text(root, "channelSerial"),
                MessageReader.text(root, "connectionId"),
                null,
                MessageReader.integer(root, "count"),
                null,
                MessageReader.integer(root, "flags"),
                MessageReader.longValue(root, "msgSerial"),
                messagesNode == null || messagesNode.isNull() ? null : MessageReader.messages(messagesNode, "messages"),
                presenceNode == null || presenceNode.isNull() ? null : MessageReader.presence(presenceNode),
                MessageReader.longValue(root, "timestamp"),
                accessToken,
                params(root.get("params")),
                null);
    }

    private static Map<String, String> params(JsonNode node) throws DecodeException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Invalid type for field 'params': expected an object");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
        }
        return out;
    }

    /** Encodes one frame into a new buffer owned by the caller. */
    public ByteBuf encode(ProtocolMessage message, ByteBufAllocator alloc) {
        ByteBuf buf = alloc.buffer(256);
        boolean ok = false;
        try (JsonGenerator gen = mapper.getFactory().createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            writer.write(gen, message);
            ok = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!ok) {
                buf.release();
            }
        }
        return buf;
    }

    /** Encodes to a byte array (tests, REST bodies). */
    public byte[] encodeToBytes(ProtocolMessage message) {
        ByteBuf buf = encode(message, io.netty.buffer.Unpooled.buffer().alloc());
        try {
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    static String shortReason(Exception e) {
        String m = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }
}
