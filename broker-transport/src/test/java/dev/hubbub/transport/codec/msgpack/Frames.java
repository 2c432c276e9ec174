package dev.hubbub.transport.codec.msgpack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.transport.codec.DecodeResult;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** Test helpers: hand-built MessagePack frames, decoding from the buffer kinds Netty hands over. */
final class Frames {
    static final ProtocolCodec JSON = ProtocolCodec.of(WireFormat.JSON);
    static final ProtocolCodec MSGPACK = ProtocolCodec.of(WireFormat.MSGPACK);
    static final ObjectMapper JSON_TREES = new ObjectMapper();
    static final ObjectMapper MSGPACK_TREES = new ObjectMapper(new MessagePackFactory());

    private Frames() {}

    interface Packing {
        void pack(MessagePacker p) throws IOException;
    }

    /** Bytes written with msgpack-core's packer, exactly as given (no validation). */
    static byte[] msgpack(Packing packing) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            packing.pack(p);
            p.flush();
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    /** How a frame's bytes can reach the codec: Netty's WebSocket frames are pooled direct buffers. */
    enum BufferKind { HEAP, DIRECT, COMPOSITE }

    static DecodeResult decode(ProtocolCodec codec, byte[] bytes) { return decode(codec, bytes, BufferKind.DIRECT); }

    static DecodeResult decode(ProtocolCodec codec, byte[] bytes, BufferKind kind) {
        ByteBuf buf = buffer(bytes, kind);
        try {
            int readable = buf.readableBytes();
            DecodeResult r = codec.decode(buf);
            if (buf.readableBytes() != readable) {
                throw new AssertionError("decode consumed the buffer");
            }
            return r;
        } finally {
            buf.release();
        }
    }

    static ByteBuf buffer(byte[] bytes, BufferKind kind) {
        return switch (kind) {
            case HEAP -> Unpooled.wrappedBuffer(bytes);
            case DIRECT -> PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(1, bytes.length)).writeBytes(bytes);
            case COMPOSITE -> {
                CompositeByteBuf c = Unpooled.compositeBuffer();
                int half = bytes.length / 2;
                c.addComponent(true, PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(1, half)).writeBytes(bytes, 0, half));
                c.addComponent(true, Unpooled.wrappedBuffer(bytes, half, bytes.length - half));
                yield c;
            }
        };
    }

    /** Encodes with the broker's codec and parses the bytes back with a plain Jackson mapper. */
    static JsonNode encodeToTree(ProtocolCodec codec, ProtocolMessage m) {
        try {
            byte[] bytes = codec.encodeToBytes(m);
            return (codec.format() == WireFormat.JSON ? JSON_TREES : MSGPACK_TREES).readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
