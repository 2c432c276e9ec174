package dev.hubbub.transport.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * JSON frames are written by one generator per thread, kept between frames, and MessagePack frames
 * packed in one buffer per thread: each frame must come out as if alone.
 */
class ReusedGeneratorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProtocolCodec codec = ProtocolCodec.of(WireFormat.JSON);

    private final ProtocolMessage delivery = ProtocolMessage.messages("room", "c1:5", "c1", 1234L, "0002",
            List.of(new Message("c1:5:0", "alice", "c1", null, "greeting", "h\u00e9llo", null,
                    JSON.createObjectNode().put("x", 1), 1234L, 0, "0002")));
    private final ProtocolMessage ack = ProtocolMessage.ack(3, 1, List.of(new PublishResult(List.of("s1"))));

    @Test
    void aFrameComesOutTheSameWhateverWasWrittenBeforeIt() throws Exception {
        byte[] first = codec.encodeToBytes(delivery);
        byte[] between = codec.encodeToBytes(ack);
        byte[] again = codec.encodeToBytes(delivery);
        assertArrayEquals(first, again);
        for (byte[] frame : List.of(first, between, again)) {
            String text = new String(frame, StandardCharsets.UTF_8);
            assertEquals('{', text.charAt(0), "nothing before a frame: " + text);
            assertEquals('}', text.charAt(text.length() - 1), "nothing after a frame: " + text);
            JSON.readTree(frame); // one whole document
        }
        assertArrayEquals(alone(delivery), first, "as a new generator writes it");
        assertArrayEquals(alone(ack), between);
    }

    private static byte[] alone(ProtocolMessage m) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var gen = codecMapper().getFactory().createGenerator(out)) {
            new ProtocolWriter(WireFormat.JSON).write(gen, m);
        }
        return out.toByteArray();
    }

    private static ObjectMapper codecMapper() {
        return ProtocolCodec.of(WireFormat.JSON).mapper();
    }

    @Test
    void aWriteThatFailsHalfwayLeavesTheNextFrameIntact() throws Exception {
        byte[] expected = codec.encodeToBytes(delivery);
        ByteBuf tooSmall = Unpooled.buffer(8, 8);
        assertThrows(IndexOutOfBoundsException.class, () -> codec.write(delivery, tooSmall));
        assertArrayEquals(expected, codec.encodeToBytes(delivery));
    }

    @Test
    void threadsWriteTheirOwnFrames() throws Exception {
        byte[] expected = codec.encodeToBytes(delivery);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<Boolean>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(CompletableFuture.supplyAsync(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        if (!java.util.Arrays.equals(expected, codec.encodeToBytes(i % 2 == 0 ? delivery : ack))
                                && i % 2 == 0) {
                            return false;
                        }
                    }
                    return true;
                }, pool));
            }
            for (CompletableFuture<Boolean> run : runs) {
                assertEquals(true, run.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Counts the buffers asked of it and the capacity each was asked for. */
    private static final class CountingAlloc extends io.netty.buffer.AbstractByteBufAllocator {
        final List<Integer> asked = new java.util.ArrayList<>();
        final List<ByteBuf> made = new java.util.ArrayList<>();

        CountingAlloc() { super(false); }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            asked.add(initialCapacity);
            ByteBuf b = new io.netty.buffer.UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            made.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            return newHeapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() { return false; }
    }

    // Rule: a JSON frame goes into one buffer made large enough for it, never grown: a MESSAGE frame
    // is over any fixed first guess, and growing is a second buffer and a copy per frame. As a
    // WebSocket frame it carries the right header in front of the same bytes, at every length class.
    @Test
    void aJsonFrameIsWrittenIntoOneBufferOfItsSize() throws Exception {
        for (int size : new int[] {10, 125, 300, 2_000, 70_000}) {
            ProtocolMessage m = ProtocolMessage.messages("room", "c1:5", "c1", 1234L, "0002",
                    List.of(new Message("c1:5:0", "alice", "c1", null, "n", "x".repeat(size), null, null, 1234L, 0, "0002")));
            byte[] expected = alone(m);
            CountingAlloc alloc = new CountingAlloc();
            ByteBuf framed = codec.encodeWebSocketFrame(m, alloc);
            try {
                if (expected.length < 8_000) { // larger frames leave the generator's buffer in parts
                    assertEquals(1, alloc.asked.size(), "one buffer for " + size);
                    assertEquals(true, alloc.asked.get(0) >= expected.length + 10, "asked " + alloc.asked + " for " + expected.length);
                    assertEquals(alloc.asked.get(0).intValue(), framed.capacity(), "never grown");
                }
                assertWebSocketFrame(0x81, expected, framed); // FIN, text
            } finally {
                framed.release();
            }
            assertPlain(codec, m, alloc, expected);
        }
    }

    // Rule: a frame that cannot be written releases the buffer made for it and leaves the thread's
    // generator fit for the next frame.
    @Test
    void aFailedJsonFrameReleasesItsBuffer() throws Exception {
        CountingAlloc alloc = new CountingAlloc();
        ProtocolMessage bad = ProtocolMessage.messages("room", "c1:5", "c1", 1234L, "0002",
                List.of(new Message("c1:5:0", "alice", "c1", null, "n", "x".repeat(9_000), null,
                        new com.fasterxml.jackson.databind.node.POJONode(new Object() {
                            @Override
                            public String toString() { throw new IllegalStateException("unwritable"); }
                        }), 1234L, 0, "0002")));
        assertThrows(RuntimeException.class, () -> codec.encodeWebSocketFrame(bad, alloc));
        assertEquals(false, alloc.made.isEmpty(), "the frame had reached its buffer");
        for (ByteBuf b : alloc.made) {
            assertEquals(0, b.refCnt(), "released");
        }
        assertArrayEquals(alone(delivery), codec.encodeToBytes(delivery));
    }

    // Rule: a MessagePack frame, too, goes into one buffer of its size: packed straight into a first
    // guess of 256 bytes, a MESSAGE frame overran it and was grown (a second buffer and a copy).
    // The thread's packing buffer, grown by a large frame, leaves the frames after it intact.
    @Test
    void aMessagePackFrameIsWrittenIntoOneBufferOfItsSize() throws Exception {
        ProtocolCodec packing = ProtocolCodec.of(WireFormat.MSGPACK);
        for (int size : new int[] {10, 300, 2_000, 70_000, 100, 200_000, 20}) {
            ProtocolMessage m = ProtocolMessage.messages("room", "c1:5", "c1", 1234L, "0002",
                    List.of(new Message("c1:5:0", "alice", "c1", null, "n", "x".repeat(size), null, null, 1234L, 0, "0002")));
            java.io.ByteArrayOutputStream generated = new java.io.ByteArrayOutputStream();
            try (var gen = packing.mapper().getFactory().createGenerator(generated)) {
                new ProtocolWriter(WireFormat.MSGPACK).write(gen, m);
            }
            byte[] expected = generated.toByteArray();
            CountingAlloc alloc = new CountingAlloc();
            ByteBuf framed = packing.encodeWebSocketFrame(m, alloc);
            try {
                assertEquals(1, alloc.asked.size(), "one buffer for " + size);
                assertEquals(expected.length + 10, alloc.asked.get(0).intValue(), "asked for " + expected.length);
                assertEquals(alloc.asked.get(0).intValue(), framed.capacity(), "never grown");
                assertWebSocketFrame(0x82, expected, framed); // FIN, binary: as the generator packs it
            } finally {
                framed.release();
            }
            assertPlain(packing, m, alloc, expected);
        }
    }

    /** {@code framed} is one unmasked WebSocket frame, first byte {@code first}, carrying {@code expected}. */
    private static void assertWebSocketFrame(int first, byte[] expected, ByteBuf framed) {
        int header = expected.length < 126 ? 2 : expected.length < 65_536 ? 4 : 10;
        assertEquals(header + expected.length, framed.readableBytes());
        assertEquals(first, framed.getUnsignedByte(framed.readerIndex()));
        int len = framed.getUnsignedByte(framed.readerIndex() + 1);
        assertEquals(header == 2 ? expected.length : header == 4 ? 126 : 127, len);
        byte[] payload = new byte[expected.length];
        framed.getBytes(framed.readerIndex() + header, payload);
        assertArrayEquals(expected, payload, "at " + expected.length + " bytes");
    }

    /** The frame without a WebSocket header is {@code expected}. */
    private static void assertPlain(ProtocolCodec codec, ProtocolMessage m, CountingAlloc alloc, byte[] expected) {
        ByteBuf plain = codec.encode(m, alloc);
        try {
            assertArrayEquals(expected, io.netty.buffer.ByteBufUtil.getBytes(plain));
        } finally {
            plain.release();
        }
    }
}
