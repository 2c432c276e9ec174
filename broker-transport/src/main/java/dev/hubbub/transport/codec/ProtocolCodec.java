package dev.hubbub.transport.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * Realtime ProtocolMessage codec for one wire format. A JSON frame is first read straight off the
 * parser's tokens ({@link JsonFrameReader}), a MessagePack frame straight off its bytes
 * ({@link MsgpackFrameReader}). Whatever those paths do not accept as plainly valid becomes a
 * Jackson tree (JSON through Jackson's parser, MessagePack through the guarded
 * {@link MsgpackTreeReader}) read by one set of field readers, which decide every error. Output is
 * one streaming writer over Jackson's format-neutral generator API, except that MessagePack frames
 * are packed straight into the buffer by {@link MsgpackFrameWriter}, which writes the same bytes.
 * Thread-safe.
 */
public final class ProtocolCodec {
    private static final ProtocolCodec JSON = new ProtocolCodec(WireFormat.JSON, new JsonFactory());
    private static final ProtocolCodec MSGPACK = new ProtocolCodec(WireFormat.MSGPACK, new MessagePackFactory());

    private final WireFormat format;
    private final ObjectMapper mapper;
    /** Reads a value nested in a frame as a tree (the streaming JSON path): the frame goes on after it. */
    private final ObjectReader nestedTrees;
    private final ProtocolWriter writer;
    private final ThreadLocal<ReusedJson> reusedJson;

    private ProtocolCodec(WireFormat format, JsonFactory factory) {
        this.format = format;
        // one frame or body is one value: anything after it is an error, not ignored
        this.mapper = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.nestedTrees = mapper.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.writer = new ProtocolWriter(format);
        this.reusedJson = ThreadLocal.withInitial(() -> new ReusedJson(mapper.getFactory()));
    }

    public static ProtocolCodec of(WireFormat format) { return format == WireFormat.JSON ? JSON : MSGPACK; }

    public WireFormat format() { return format; }

    public ObjectMapper mapper() { return mapper; }

    /**
     * Decodes one frame's bytes. Never throws: a bad frame yields a failed result that keeps the
     * msgSerial and channel when they were read before the problem, so the session can NACK it.
     * JSON and MessagePack frames fail with the same codes (40000 for frames that cannot be parsed
     * or have fields of the wrong type).
     */
    public DecodeResult decode(ByteBuf bytes) {
        ProtocolMessage fast = format.isBinary() ? streamMsgpack(bytes) : streamJson(bytes);
        if (fast != null) {
            return DecodeResult.ok(fast);
        }
        return decodeAsTree(bytes);
    }

    /** A MessagePack frame read in place by {@link MsgpackFrameReader}; null when it gives up (the tree path decides). */
    static ProtocolMessage streamMsgpack(ByteBuf bytes) {
        try {
            return MsgpackFrameReader.read(bytes);
        } catch (GiveUp | RuntimeException e) {
            return null;
        }
    }

    /** The tree path alone: every frame the streaming path gives up on, and the reference it is tested against. */
    DecodeResult decodeAsTree(ByteBuf bytes) {
        PartialFrame frame = new PartialFrame();
        try {
            if (format.isBinary()) {
                MsgpackTreeReader.readFrame(bytes, frame);
            } else {
                readJsonFrame(bytes, frame);
            }
            return DecodeResult.ok(read(frame.root));
        } catch (DecodeException e) {
            return DecodeResult.failed(e.error(), frame.msgSerial, frame.channel);
        }
    }

    /** Frames up to this size are copied to a per-thread array for the parser (no stream over the buffer). */
    private static final int SCRATCH_BYTES = 16 * 1024;
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[SCRATCH_BYTES]);

    /**
     * A JSON frame read by {@link JsonByteReader} (the common publish, no parser), else by
     * {@link JsonFrameReader}; null when that gives up too (the tree path decides).
     */
    ProtocolMessage streamJson(ByteBuf bytes) {
        try {
            return JsonByteReader.read(bytes);
        } catch (GiveUp | RuntimeException e) {
            // the parser's path reads it, or says what is wrong with it
        }
        return parseJson(bytes);
    }

    /** A JSON frame read by {@link JsonFrameReader} alone; null when it gives up. */
    ProtocolMessage parseJson(ByteBuf bytes) {
        int length = bytes.readableBytes();
        try (JsonParser p = parserOver(bytes, length)) {
            return JsonFrameReader.read(p, nestedTrees);
        } catch (GiveUp | IOException | RuntimeException e) {
            return null;
        }
    }

    private JsonParser parserOver(ByteBuf bytes, int length) throws IOException {
        if (bytes.hasArray()) {
            return mapper.getFactory().createParser(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), length);
        }
        if (length <= SCRATCH_BYTES) {
            byte[] scratch = SCRATCH.get(); // the parser is done with it before this returns: strings are copied out
            bytes.getBytes(bytes.readerIndex(), scratch, 0, length);
            return mapper.getFactory().createParser(scratch, 0, length);
        }
        return mapper.getFactory().createParser((InputStream) new ByteBufInputStream(bytes.duplicate()));
    }

    /**
     * Reads a whole request body (REST): any JSON or MessagePack value. MessagePack goes through the
     * same guarded reader as realtime frames.
     */
    public JsonNode readDocument(ByteBuf bytes) throws DecodeException {
        if (format.isBinary()) {
            return MsgpackTreeReader.readDocument(bytes);
        }
        try {
            JsonNode node = mapper.readTree(new ByteBufInputStream(bytes.duplicate()));
            return node == null ? MissingNode.getInstance() : node;
        } catch (IOException | RuntimeException e) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Malformed JSON: " + shortReason(e));
        }
    }

    /**
     * Parses a JSON frame in one go (the fast path); only when that fails is it scanned again,
     * field by field, for the msgSerial and channel that came before the problem.
     */
    private void readJsonFrame(ByteBuf bytes, PartialFrame frame) throws DecodeException {
        JsonNode root;
        try {
            root = mapper.readTree(new ByteBufInputStream(bytes.duplicate()));
        } catch (IOException | RuntimeException e) {
            salvageJson(bytes, frame);
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Malformed JSON frame: " + shortReason(e));
        }
        if (root == null || root.isMissingNode()) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Malformed JSON frame: empty frame");
        }
        if (!(root instanceof ObjectNode object)) {
            throw new DecodeException(ErrorCode.BAD_REQUEST, "Malformed frame: expected a JSON object");
        }
        frame.adopt(object);
    }

    /** Notes the top-level msgSerial and channel of a JSON frame that could not be parsed, as far as it goes. */
    private void salvageJson(ByteBuf bytes, PartialFrame frame) {
        try (JsonParser p = mapper.getFactory().createParser((InputStream) new ByteBufInputStream(bytes.duplicate()))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_STRING) {
                    frame.put(name, TextNode.valueOf(p.getText()));
                } else if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                    frame.put(name, LongNode.valueOf(p.getLongValue()));
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException | RuntimeException e) {
            // what was read before the problem is in frame
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

    static Map<String, String> params(JsonNode node) throws DecodeException {
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
        return encodeAfter(0, message, alloc);
    }

    /**
     * Encodes one frame as a complete, unmasked server-to-client WebSocket data frame (header and
     * payload). Server frames are never masked, so these bytes are the same for every recipient and
     * can be written as shared views, bypassing the WebSocket encoder.
     */
    public ByteBuf encodeWebSocketFrame(ProtocolMessage message, ByteBufAllocator alloc) {
        ByteBuf buf = encodeAfter(MAX_WS_HEADER, message, alloc);
        int length = buf.writerIndex() - MAX_WS_HEADER;
        int header = length < 126 ? 2 : length < 65536 ? 4 : 10;
        int start = MAX_WS_HEADER - header;
        buf.setByte(start, 0x80 | (format.isBinary() ? 0x2 : 0x1)); // FIN + opcode
        if (header == 2) {
            buf.setByte(start + 1, length);
        } else if (header == 4) {
            buf.setByte(start + 1, 126);
            buf.setShort(start + 2, length);
        } else {
            buf.setByte(start + 1, 127);
            buf.setLong(start + 2, length);
        }
        buf.readerIndex(start);
        return buf;
    }

    /**
     * One frame's bytes in a new buffer, after {@code headroom} bytes left for a header. A JSON
     * frame is generated first and the buffer made at its size, so that it is never grown (a
     * MESSAGE frame is over the 256 bytes a guess would start at, and growing cost a second
     * buffer and a copy per frame).
     */
    private ByteBuf encodeAfter(int headroom, ProtocolMessage message, ByteBufAllocator alloc) {
        if (!format.isBinary()) {
            return jsonFrame(message, alloc, headroom);
        }
        ByteBuf packed = MsgpackFrameWriter.packed(message);
        if (packed != null) {
            return alloc.buffer(headroom + packed.readableBytes()).writerIndex(headroom).writeBytes(packed);
        }
        ByteBuf buf = alloc.buffer(256);
        boolean ok = false;
        try {
            buf.writerIndex(headroom);
            generatePacked(message, buf);
            ok = true;
            return buf;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    private static final int MAX_WS_HEADER = 10;

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

    /**
     * Appends one frame to {@code buf}. Each format's direct writer first ({@link JsonFrameWriter},
     * {@link MsgpackFrameWriter}); the rare frame it leaves goes through a generator: for JSON this
     * thread's one, kept from frame to frame (a generator, its contexts and buffers per frame were a
     * fifth of what the broker allocated per published message), for MessagePack a new one.
     */
    void write(ProtocolMessage message, ByteBuf buf) throws IOException {
        if (format.isBinary()) {
            int start = buf.writerIndex();
            try {
                MsgpackFrameWriter.write(message, buf);
                return;
            } catch (GiveUp e) {
                buf.writerIndex(start); // a value only the generator writes exactly: the whole frame goes through it
            }
            generatePacked(message, buf);
            return;
        }
        ReusedJson out = reusedJson.get();
        if (out.direct(message)) {
            buf.writeBytes(out.direct.bytes(), 0, out.direct.length());
            return;
        }
        out.target = buf;
        try {
            generate(message, out);
        } finally {
            out.target = null;
        }
    }

    /** Writes one MessagePack frame through a new generator (what {@link MsgpackFrameWriter} leaves to it). */
    private void generatePacked(ProtocolMessage message, ByteBuf buf) throws IOException {
        try (JsonGenerator gen = mapper.getFactory().createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf))) {
            writer.write(gen, message);
        }
    }

    /** Writes one JSON frame through this thread's generator into whatever {@code out} writes to. */
    private void generate(ProtocolMessage message, ReusedJson out) throws IOException {
        try {
            writer.write(out.gen, message);
            out.gen.flush();
        } catch (IOException | RuntimeException | Error e) {
            reusedJson.remove(); // its generator may have stopped mid-value: the next frame gets a new one
            throw e;
        }
    }

    /** A JSON frame in a buffer made when the generator hands over its bytes (see {@link #encodeAfter}). */
    private ByteBuf jsonFrame(ProtocolMessage message, ByteBufAllocator alloc, int headroom) {
        ReusedJson out = reusedJson.get();
        if (out.direct(message)) {
            ByteBuf buf = alloc.buffer(headroom + out.direct.length());
            buf.writerIndex(headroom);
            return buf.writeBytes(out.direct.bytes(), 0, out.direct.length());
        }
        out.alloc = alloc;
        out.headroom = headroom;
        boolean ok = false;
        try {
            generate(message, out);
            ok = true;
            return out.target(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!ok && out.target != null) {
                out.target.release();
            }
            out.target = null;
            out.alloc = null;
        }
    }

    /**
     * Encodes Messages as one array (a REST history body), each item written exactly as in a
     * MESSAGE frame of this format: the same fields and types, binary as bin or base64.
     */
    public byte[] encodeMessages(List<Message> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 128 * messages.size());
        try (JsonGenerator gen = mapper.getFactory().createGenerator(out)) {
            gen.writeStartArray();
            for (Message m : messages) {
                writer.message(gen, m);
            }
            gen.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String shortReason(Exception e) {
        String m = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        return m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }
}
