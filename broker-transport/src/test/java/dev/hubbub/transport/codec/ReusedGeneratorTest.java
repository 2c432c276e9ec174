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

/** JSON frames are written by one generator per thread, kept between frames: each frame must come out as if alone. */
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
}
