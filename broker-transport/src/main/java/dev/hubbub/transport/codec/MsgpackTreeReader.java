package dev.hubbub.transport.codec;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Reads MessagePack from the network into the same Jackson tree the JSON parser produces, so one
 * set of field readers serves both formats. It replaces Jackson's MessagePackParser on input
 * because that parser trusts the peer: it allocates a declared str/bin/ext length before reading
 * (a 6-byte frame can ask for 2 GiB), turns integer, binary and extension map keys into field
 * names, and hands extension values on as opaque objects that cannot be re-encoded as JSON.
 *
 * <p>Rules, each a 40000 "Malformed MSGPACK …" error: map keys must be str; extension types are
 * refused; a declared length or element count may not exceed the bytes left in the frame (checked
 * before anything is allocated); nesting is limited like Jackson's JSON parser; nothing may follow
 * the value. One instance reads one frame or body, on the calling thread.
 */
final class MsgpackTreeReader {
    static final int MAX_DEPTH = StreamReadConstraints.DEFAULT_MAX_DEPTH;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private final MessageUnpacker in;
    private final long total;
    private final String what;

    private MsgpackTreeReader(ByteBuf bytes, String what) {
        this.what = what;
        int length = bytes.readableBytes();
        this.total = length;
        // msgpack-core reads direct ByteBuffers through sun.nio.ch internals that Java 17 closes,
        // and Netty's frames are usually direct: read heap arrays in place, copy anything else
        this.in = bytes.hasArray()
                ? MessagePack.newDefaultUnpacker(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), length)
                : MessagePack.newDefaultUnpacker(ByteBufUtil.getBytes(bytes));
    }

    /** Reads a whole document (a REST body): one value of any type and nothing after it. */
    static JsonNode readDocument(ByteBuf bytes) throws DecodeException {
        MsgpackTreeReader r = new MsgpackTreeReader(bytes, "body");
        try {
            r.requireMore();
            JsonNode value = r.value(0);
            r.requireEnd();
            return value;
        } catch (IOException | RuntimeException e) {
            throw r.malformed(ProtocolCodec.shortReason(e));
        }
    }

    /**
     * Reads a realtime frame: a map whose entries go into {@code frame} one at a time, so what was
     * read before an error (msgSerial, channel) is still there when this throws.
     */
    static void readFrame(ByteBuf bytes, PartialFrame frame) throws DecodeException {
        MsgpackTreeReader r = new MsgpackTreeReader(bytes, "frame");
        try {
            r.requireMore();
            if (r.in.getNextFormat().getValueType() != ValueType.MAP) {
                throw new DecodeException(ErrorCode.BAD_REQUEST, "Malformed frame: expected a MSGPACK object (a map), got "
                        + r.typeName());
            }
            int entries = r.mapHeader();
            for (int i = 0; i < entries; i++) {
                String key = r.key();
                frame.put(key, r.value(1));
            }
            r.requireEnd();
        } catch (IOException | RuntimeException e) {
            throw r.malformed(ProtocolCodec.shortReason(e));
        }
    }

    private JsonNode value(int depth) throws IOException, DecodeException {
        requireMore();
        MessageFormat format = in.getNextFormat();
        switch (format.getValueType()) {
            case NIL -> {
                in.unpackNil();
                return NODES.nullNode();
            }
            case BOOLEAN -> {
                return NODES.booleanNode(in.unpackBoolean());
            }
            case INTEGER -> {
                if (format == MessageFormat.UINT64) {
                    BigInteger big = in.unpackBigInteger();
                    return big.compareTo(LONG_MAX) <= 0 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
                }
                long v = in.unpackLong();
                return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
            }
            case FLOAT -> {
                return NODES.numberNode(in.unpackDouble());
            }
            case STRING -> {
                return NODES.textNode(string());
            }
            case BINARY -> {
                int len = in.unpackBinaryHeader();
                return NODES.binaryNode(in.readPayload(checkLength(len, "bin")));
            }
            case ARRAY -> {
                if (depth >= MAX_DEPTH) {
                    throw malformed("nested deeper than " + MAX_DEPTH + " levels");
                }
                int n = in.unpackArrayHeader();
                checkCount(n, 1, "array");
                ArrayNode array = NODES.arrayNode();
                for (int i = 0; i < n; i++) {
                    array.add(value(depth + 1));
                }
                return array;
            }
            case MAP -> {
                if (depth >= MAX_DEPTH) {
                    throw malformed("nested deeper than " + MAX_DEPTH + " levels");
                }
                int n = mapHeader();
                ObjectNode map = NODES.objectNode();
                for (int i = 0; i < n; i++) {
                    String key = key();
                    map.set(key, value(depth + 1));
                }
                return map;
            }
            case EXTENSION -> throw malformed("MessagePack extension types are not supported");
            default -> throw malformed("unexpected " + format);
        }
    }

    private int mapHeader() throws IOException, DecodeException {
        int n = in.unpackMapHeader();
        checkCount(n, 2, "map");
        return n;
    }

    /** A map key: str only, as in JSON (Jackson's parser would quietly stringify ints and binaries). */
    private String key() throws IOException, DecodeException {
        requireMore();
        if (in.getNextFormat().getValueType() != ValueType.STRING) {
            throw malformed("map key is not a string (" + typeName() + ")");
        }
        return string();
    }

    private String string() throws IOException, DecodeException {
        int len = in.unpackRawStringHeader();
        return new String(in.readPayload(checkLength(len, "str")), StandardCharsets.UTF_8);
    }

    private int checkLength(int declared, String kind) throws DecodeException {
        long left = left();
        if (declared > left) {
            throw malformed(kind + " declares " + declared + " bytes but only " + left + " are left (truncated?)");
        }
        return declared;
    }

    /** Each array element takes at least one byte, each map entry two: a larger count cannot be real. */
    private void checkCount(int declared, int minBytesEach, String kind) throws DecodeException {
        long left = left();
        if ((long) declared * minBytesEach > left) {
            throw malformed(kind + " declares " + declared + " entries but only " + left + " bytes are left (truncated?)");
        }
    }

    private void requireMore() throws IOException, DecodeException {
        if (!in.hasNext()) {
            throw malformed(in.getTotalReadBytes() == 0 ? "empty " + what : "truncated " + what);
        }
    }

    private void requireEnd() throws IOException, DecodeException {
        if (in.hasNext()) {
            throw malformed(left() + " trailing bytes after the value");
        }
    }

    private long left() { return total - in.getTotalReadBytes(); }

    private String typeName() throws IOException {
        return in.getNextFormat().getValueType().name().toLowerCase();
    }

    private DecodeException malformed(String reason) {
        return new DecodeException(ErrorCode.BAD_REQUEST, "Malformed MSGPACK " + what + ": " + reason);
    }
}
