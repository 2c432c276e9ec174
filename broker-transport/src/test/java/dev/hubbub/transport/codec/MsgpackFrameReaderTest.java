package dev.hubbub.transport.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The in-place MessagePack path against the tree path: for every frame, valid or not, decode gives
 * exactly what the tree path gives; the frames clients send most take the fast path (else this
 * proves nothing); and whatever it gives up on, the tree path decides, errors and salvage included.
 */
class MsgpackFrameReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper MSGPACK = ProtocolCodec.of(WireFormat.MSGPACK).mapper();
    private final ProtocolCodec codec = ProtocolCodec.of(WireFormat.MSGPACK);

    @Test
    void publishesHeartbeatsAndAttachesTakeTheFastPathAndDecodeAsTheTreeDoes() throws Exception {
        List<String> fast = List.of(
                "{\"action\":15,\"channel\":\"room\",\"msgSerial\":0,\"messages\":[{\"name\":\"greeting\",\"data\":\"hello\"}]}",
                "{\"messages\":[{\"data\":null,\"name\":null},{}],\"action\":15,\"channel\":\"c\",\"msgSerial\":1}",
                "{\"action\":15,\"channel\":\"c\",\"msgSerial\":2,\"messages\":[{\"data\":\"x\",\"action\":0,\"connectionKey\":\"k\","
                        + "\"connectionId\":\"cid\",\"clientId\":\"Bob\",\"id\":\"m\",\"encoding\":\"utf-8\",\"size\":1.5,"
                        + "\"unknown\":{\"deep\":[{\"a\":1},true,null,-70000,1e300]}}],\"extra\":[1,{\"x\":2}]}",
                "{\"action\":15,\"channel\":\"c\",\"msgSerial\":4,\"messages\":[],\"presence\":null,\"auth\":null,\"params\":null}",
                "{\"action\":15,\"channel\":\"c\",\"msgSerial\":5,\"messages\":null,\"extras\":{\"a\":1}}",
                "{\"action\":15,\"channel\":\"c\",\"msgSerial\":6,\"messages\":[{\"extras\":null,\"data\":\"d\"}]}",
                "{\"action\":0}",
                "{\"action\":10,\"channel\":\"c\",\"flags\":327680,\"channelSerial\":\"abc:1\"}",
                "{\"action\":12,\"channel\":\"c\",\"id\":\"x\",\"connectionId\":\"y\",\"count\":3,\"timestamp\":1700000000000}",
                "{\"action\":15,\"action\":15,\"channel\":\"first\",\"channel\":\"last\",\"msgSerial\":1,\"messages\":[{\"data\":\"a\",\"data\":\"b\"}]}",
                "{\"action\":15,\"channel\":\"c\",\"msgSerial\":9223372036854775807,\"messages\":[{\"data\":\"" + "é".repeat(40_000) + "\"}]}");
        for (String json : fast) {
            byte[] frame = MSGPACK.writeValueAsBytes(JSON.readTree(json));
            assertNotNull(ProtocolCodec.streamMsgpack(Unpooled.wrappedBuffer(frame)), json);
            assertSame(frame);
        }
        // binary data, as ably-java and ably-js send it in MessagePack
        byte[] binary = pack(p -> {
            p.packMapHeader(4).packString("action").packInt(15).packString("channel").packString("c")
                    .packString("msgSerial").packLong(3).packString("messages").packArrayHeader(1);
            p.packMapHeader(2).packString("data").packBinaryHeader(3).writePayload(new byte[] {1, 2, 3})
                    .packString("encoding").packString("cipher+aes-128-cbc");
        });
        ProtocolMessage read = ProtocolCodec.streamMsgpack(Unpooled.wrappedBuffer(binary));
        assertNotNull(read);
        assertEquals("010203", HexFormat.of().formatHex((byte[]) read.messages().get(0).data()));
        assertSame(binary);
    }

    /**
     * Keys are matched as bytes, not decoded: a key one byte, one letter's case or one character
     * longer or shorter than a field's name, or with a non-ASCII letter, is another field (skipped),
     * exactly as the tree's decoded comparison has it.
     */
    @Test
    void aKeyNearAFieldsNameIsAnotherField() throws Exception {
        // each near miss after the field it nears: read as that field, it would overwrite it (the last value counts)
        String json = "{\"action\":15,\"actio\":1,\"Action\":2,\"channel\":\"c\",\"channels\":\"no\",\"chánnel\":\"no\","
                + "\"msgSerial\":7,\"msgSeria\":8,\"messages\":[{\"name\":\"yes\",\"nam\":\"no\",\"names\":\"no\",\"Name\":\"no\","
                + "\"data\":\"d\",\"dat\":\"no\",\"datA\":\"no\",\"id\":\"i\",\"ıd\":\"no\",\"clientid\":\"no\"}],\"id\":\"f\",\"i\":\"no\","
                + "\"ids\":\"no\"}";
        byte[] frame = MSGPACK.writeValueAsBytes(JSON.readTree(json));
        ProtocolMessage read = ProtocolCodec.streamMsgpack(Unpooled.wrappedBuffer(frame));
        assertNotNull(read, "near-miss keys are unknown fields, which the fast path skips");
        assertEquals("c", read.channel());
        assertEquals(7L, read.msgSerial());
        assertEquals("f", read.id());
        Message m = read.messages().get(0);
        assertEquals("yes", m.name());
        assertEquals("d", m.data());
        assertEquals("i", m.id());
        assertNull(m.clientId());
        assertSame(frame);
    }

    @Test
    void whatTheFastPathLeavesToTheTreeDecodesExactlyAsTheTreeDecides() throws Exception {
        for (String json : JsonFrameReaderTest.INVALID) {
            byte[] frame = packedOrNull(json); // JSON's trailing text is lost here: some of these become valid
            if (frame != null) {
                assertAcceptsOnlyWhatTheTreeAccepts(frame);
                assertSame(frame);
            }
        }
        List<byte[]> frames = new ArrayList<>();
        for (String json : List.of(
                "{\"action\":14,\"channel\":\"c\",\"msgSerial\":6,\"presence\":[{\"action\":2,\"data\":\"hi\",\"clientId\":\"Ann\"}]}",
                "{\"action\":10,\"channel\":\"c\",\"params\":{\"rewind\":\"1\",\"n\":2}}",
                "{\"action\":17,\"auth\":{\"accessToken\":\"tok\"}}",
                "{\"action\":15,\"channel\":\"c\",\"msgSerial\":3,\"messages\":[{\"data\":{\"x\":1},\"encoding\":\"\"}]}",
                "{\"action\":15,\"channel\":\"c\",\"msgSerial\":3,\"messages\":[{\"extras\":{\"headers\":{\"k\":\"v\"}}}]}",
                "{\"action\":15,\"channel\":\"c\",\"msgSerial\":3,\"messages\":[{\"data\":1.5}]}")) {
            frames.add(MSGPACK.writeValueAsBytes(JSON.readTree(json)));
        }
        frames.add(pack(p -> p.packMapHeader(1).packInt(1).packInt(15)));                        // int key
        frames.add(pack(p -> p.packMapHeader(2).packString("action").packInt(15).packString("x")
                .packExtensionTypeHeader((byte) 1, 1).writePayload(new byte[] {0})));             // ext value
        frames.add(pack(p -> p.packMapHeader(2).packString("msgSerial").packLong(5).packString("action")
                .packFloat(15f)));                                                                // float action
        frames.add(pack(p -> p.packMapHeader(2).packString("action").packInt(15).packString("msgSerial")
                .packBigInteger(java.math.BigInteger.ONE.shiftLeft(63))));                       // uint64 past long
        frames.add(pack(p -> p.packMapHeader(2).packString("action").packInt(15).packString("channel")
                .packBinaryHeader(1).writePayload(new byte[] {'c'})));                           // bin channel
        frames.add(pack(p -> p.packMapHeader(1).packString("action").packInt(15).packNil()));    // trailing byte
        frames.add(pack(p -> p.packMapHeader(2).packString("action").packInt(15).packString("x")
                .packMapHeader(1).packInt(1).packInt(1)));                                       // int key, nested
        frames.add(pack(p -> p.packMapHeader(3).packString("msgSerial").packLong(9).packString("channel")
                .packString("c").packString("action").packLong(1L << 40)));                      // action out of range
        frames.add(pack(p -> p.packArrayHeader(1).packInt(15)));
        frames.add(new byte[0]);
        frames.add(new byte[] {(byte) 0xdf, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});        // a map of 2^31 entries
        frames.add(new byte[] {(byte) 0x81, (byte) 0xdb, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'a'}); // a 2 GiB key
        for (byte[] frame : frames) {
            assertNull(ProtocolCodec.streamMsgpack(Unpooled.wrappedBuffer(frame)), () -> ByteBufUtil.hexDump(frame));
            assertSame(frame);
        }
    }

    @Test
    void everyTruncationAndRandomFrameDecodesAsTheTreeDoes() throws Exception {
        Random random = new Random(20261204L);
        int fast = 0;
        int total = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] frame = packedOrNull(JsonFrameReaderTest.randomFrame(random));
            if (frame == null) {
                continue;
            }
            total++;
            if (assertAcceptsOnlyWhatTheTreeAccepts(frame)) {
                fast++;
            }
            assertSame(frame);
            if (i % 10 == 0) {
                for (int cut = 0; cut < frame.length; cut++) {
                    assertSame(java.util.Arrays.copyOf(frame, cut));
                }
            }
        }
        assertTrue(fast > 500 && fast < total, "fast " + fast + " of " + total + ": too few on one side to test both");
    }

    /** True when the fast path read the frame, which the tree path must then accept too. */
    private boolean assertAcceptsOnlyWhatTheTreeAccepts(byte[] frame) {
        if (ProtocolCodec.streamMsgpack(Unpooled.wrappedBuffer(frame)) == null) {
            return false;
        }
        assertTrue(codec.decodeAsTree(Unpooled.wrappedBuffer(frame)).isOk(),
                () -> "the fast path accepted what the tree refuses: " + ByteBufUtil.hexDump(frame));
        return true;
    }

    private void assertSame(byte[] frame) {
        String expected = normal(codec.decodeAsTree(Unpooled.wrappedBuffer(frame)));
        assertEquals(expected, normal(codec.decode(Unpooled.wrappedBuffer(frame))), () -> ByteBufUtil.hexDump(frame));
        // a direct buffer, and a slice with other bytes either side
        ByteBuf direct = Unpooled.directBuffer(frame.length).writeBytes(frame);
        assertEquals(expected, normal(codec.decode(direct)));
        ByteBuf padded = Unpooled.buffer().writeBytes(new byte[] {(byte) 0xc0, 1}).writeBytes(frame).writeByte(0x81);
        assertEquals(expected, normal(codec.decode(padded.slice(2, frame.length))));
    }

    /** A result as text, binary data as hex (a record compares arrays by identity). */
    private static String normal(DecodeResult result) {
        ProtocolMessage m = result.message();
        if (m == null || m.messages() == null) {
            return String.valueOf(result);
        }
        List<Message> messages = new ArrayList<>();
        for (Message msg : m.messages()) {
            Object data = msg.data() instanceof byte[] b ? "bin:" + HexFormat.of().formatHex(b) : msg.data();
            messages.add(new Message(msg.id(), msg.clientId(), msg.connectionId(), msg.connectionKey(), msg.name(), data,
                    msg.encoding(), msg.extras(), msg.timestamp(), msg.action(), msg.serial()));
        }
        return new DecodeResult(new ProtocolMessage(m.action(), m.id(), m.channel(), m.channelSerial(), m.connectionId(),
                m.connectionDetails(), m.count(), m.error(), m.flags(), m.msgSerial(), messages, m.presence(), m.timestamp(),
                m.authAccessToken(), m.params(), m.res()), result.error(), result.msgSerial(), result.channel()).toString();
    }

    /** A JSON frame as MessagePack; null for one that is not JSON, or holds what MessagePack cannot (an int past 2^64). */
    private static byte[] packedOrNull(String json) {
        try {
            JsonNode tree = JSON.readTree(json);
            return tree == null || tree.isMissingNode() ? null : MSGPACK.writeValueAsBytes(tree);
        } catch (Exception e) {
            return null;
        }
    }

    interface Packing {
        void to(MessageBufferPacker p) throws Exception;
    }

    private static byte[] pack(Packing packing) throws Exception {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        packing.to(p);
        return p.toByteArray();
    }
}
