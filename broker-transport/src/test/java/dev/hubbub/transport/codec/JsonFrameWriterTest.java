package dev.hubbub.transport.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ConnectionDetails;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The direct JSON writer must produce exactly the bytes ProtocolWriter writes through Jackson's generator. */
class JsonFrameWriterTest {
    private static final ProtocolCodec CODEC = ProtocolCodec.of(WireFormat.JSON);

    @Test
    void framesTheBrokerSendsMostComeOutByteForByteAsTheGeneratorWritesThem() throws Exception {
        List<ProtocolMessage> frames = List.of(
                ProtocolMessage.heartbeat(null),
                ProtocolMessage.heartbeat("hb-1"),
                ProtocolMessage.error(new ErrorInfo("", 50000, 500)),
                ProtocolMessage.error(new ErrorInfo("quote \" backslash \\ tab \t \u00e9 \u20ac", 40000, 400)),
                ProtocolMessage.ack(3, 1, List.of(new PublishResult(List.of("01a:0")))),
                ProtocolMessage.ack(Long.MAX_VALUE, 3, List.of(new PublishResult(Arrays.asList("s1", null, "s3")),
                        new PublishResult(List.of()))),
                ProtocolMessage.ack(0, 0, List.of()),
                ProtocolMessage.nack(7, 2, new ErrorInfo("Channel denied access \u00e9", 40160, 401)),
                ProtocolMessage.messages("room", "c1:5", "c1", 1234L, "0002", List.of(
                        new Message("c1:5:0", "alice", "c1", null, "greeting", "h\u00e9llo \u0800\uffff", null, null,
                                1234L, 0, "0002"),
                        new Message(null, null, null, "ck", null, new byte[300], "utf-8/cipher", null, null, null, null),
                        new Message(null, null, null, null, null, new byte[] {1, 2}, null, null, null, null, null),
                        new Message(null, null, null, null, null, new byte[] {1, 2}, "", null, null, null, null),
                        new Message(null, null, null, null, null, null, null, null, null, null, null),
                        new Message("json", null, null, null, null, "{\"a\":1}", "json", null, -1L, 2, null))),
                ProtocolMessage.messages("room", "c1:6", "c1", 1L, null, List.of()),
                ProtocolMessage.presence(Action.PRESENCE, "room", "p:1", "c1", 99L, "serial:9", List.of(
                        new PresenceMessage("c1:0:0", PresenceAction.values()[0], "alice", "c1", "status", null, null, 99L),
                        new PresenceMessage(null, PresenceAction.values()[PresenceAction.values().length - 1], null, null,
                                new byte[] {1}, "cipher", null, null))),
                new ProtocolMessage(Action.ATTACHED, null, "room", "serial:1", null, null, null, null, 1 << 18, null,
                        null, null, null, "token-is-never-written", null, null));
        for (ProtocolMessage frame : frames) {
            assertSameBytes(frame);
        }
    }

    @Test
    void everyAsciiCharacterAndNumberBoundaryMatches() throws Exception {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x800; c++) {
            all.append(c);
        }
        all.append('\u0800').append('\u0fff').append('\ud7ff').append('\ue000').append('\uffff');
        for (int c = 0; c < 128; c++) {
            assertSameBytes(ProtocolMessage.messages("ch" + (char) c, null, null, 1L, null,
                    List.of(new Message(null, null, null, null, "n" + (char) c, String.valueOf((char) c), null, null, null, null, null))));
        }
        assertSameBytes(ProtocolMessage.messages(all.toString(), null, null, 1L, null,
                List.of(new Message(all.toString(), null, null, null, null, all.toString(), null, null, null, null, null))));
        List<Long> numbers = new ArrayList<>();
        for (int bit = 0; bit < 63; bit++) {
            long p = 1L << bit;
            for (long v : new long[] {p - 1, p, p + 1, -p + 1, -p, -p - 1}) {
                numbers.add(v);
            }
        }
        for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10; p *= 10) {
            numbers.addAll(List.of(p - 1, p, p + 1, -p + 1, -p, -p - 1));
        }
        numbers.add(Long.MAX_VALUE);
        numbers.add(Long.MIN_VALUE);
        for (long v : numbers) {
            assertSameBytes(new ProtocolMessage(Action.ACK, null, null, null, null, null, null, null, null, v, null, null,
                    v, null, null, null));
        }
    }

    @Test
    void randomFramesMatch() throws Exception {
        Random random = new Random(15);
        for (int i = 0; i < 3_000; i++) {
            List<Message> messages = new ArrayList<>();
            for (int j = random.nextInt(4); j > 0; j--) {
                Object data = switch (random.nextInt(3)) {
                    case 0 -> null;
                    case 1 -> text(random);
                    default -> bytes(random);
                };
                messages.add(new Message(maybe(random), maybe(random), maybe(random), maybe(random), maybe(random), data,
                        random.nextBoolean() ? null : random.nextBoolean() ? "base64" : "utf-8/" + text(random), null,
                        random.nextBoolean() ? null : random.nextLong() >> random.nextInt(64),
                        random.nextBoolean() ? null : random.nextInt(10), maybe(random)));
            }
            List<PublishResult> res = null;
            if (random.nextInt(3) == 0) {
                res = new ArrayList<>();
                for (int j = random.nextInt(3); j > 0; j--) {
                    res.add(new PublishResult(Arrays.asList(maybe(random), maybe(random))));
                }
            }
            assertSameBytes(new ProtocolMessage(Action.values()[random.nextInt(Action.values().length)], maybe(random),
                    maybe(random), maybe(random), maybe(random), null,
                    random.nextBoolean() ? null : random.nextInt() >> random.nextInt(32),
                    random.nextInt(4) == 0 ? new ErrorInfo(text(random), random.nextInt(), random.nextInt(600)) : null,
                    random.nextBoolean() ? null : random.nextInt(), random.nextBoolean() ? null : random.nextLong() >> random.nextInt(64),
                    random.nextBoolean() ? null : messages, null, random.nextBoolean() ? null : random.nextLong(), null, null, res));
        }
    }

    // Rule: what the direct writer does not write exactly (connection details, params, extras, a surrogate,
    // paired or not) it gives up on before the caller sees a byte, and the codec's frame is then the generator's.
    @Test
    void framesOnlyTheGeneratorWritesExactlyGoThroughIt() throws Exception {
        ObjectNode extras = JsonNodeFactory.instance.objectNode().put("a", 1);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("rewind", "1");
        List<ProtocolMessage> odd = List.of(
                ProtocolMessage.connected("conn-1", new ConnectionDetails("alice", "key-1!abc", 65536, 524288, 50,
                        15_000L, 120_000L, "hubbub-1"), null, 1_700_000_000_000L),
                new ProtocolMessage(Action.ATTACHED, null, "room", "serial:1", null, null, null, null, 0, null, null, null,
                        null, null, params, null),
                ProtocolMessage.messages("room", "id", null, 1L, null,
                        List.of(new Message(null, null, null, null, "n", "d", null, extras, null, null, null))),
                ProtocolMessage.presence(Action.PRESENCE, "room", "p:1", "c1", 99L, null, List.of(
                        new PresenceMessage("x", PresenceAction.values()[0], "alice", "c1", "s", null, extras, 99L))),
                ProtocolMessage.messages("room", "id", null, 1L, null,
                        List.of(new Message(null, null, null, null, "n", "smile \uD83D\uDE00", null, null, null, null, null))),
                ProtocolMessage.messages("room \uD800 alone", "id", null, 1L, null, List.of()));
        for (ProtocolMessage frame : odd) {
            assertSame(GiveUp.INSTANCE, assertThrows(GiveUp.class, () -> new JsonFrameWriter().write(frame)));
            assertArrayEquals(generator(frame), CODEC.encodeToBytes(frame), frame::toString);
            ByteBuf appended = Unpooled.buffer();
            appended.writeBytes(new byte[] {7, 7});
            CODEC.write(frame, appended);
            byte[] got = new byte[appended.readableBytes() - 2];
            appended.getBytes(2, got);
            assertArrayEquals(generator(frame), got, "appended after what the buffer held: " + frame);
        }
    }

    @Test
    void theCodecWritesJsonFramesThroughTheDirectWriter() throws Exception {
        ProtocolMessage ack = ProtocolMessage.ack(5, 1, List.of(new PublishResult(List.of("x:0"))));
        assertArrayEquals(direct(ack), CODEC.encodeToBytes(ack));
        ByteBuf ws = CODEC.encodeWebSocketFrame(ack, ByteBufAllocator.DEFAULT);
        try {
            byte[] payload = direct(ack);
            assertEquals(0x81, ws.getUnsignedByte(ws.readerIndex()), "FIN, text");
            assertEquals(payload.length, ws.getUnsignedByte(ws.readerIndex() + 1));
            byte[] got = new byte[ws.readableBytes() - 2];
            ws.getBytes(ws.readerIndex() + 2, got);
            assertArrayEquals(payload, got);
        } finally {
            ws.release();
        }
        DecodeResult back = CODEC.decode(Unpooled.wrappedBuffer(CODEC.encodeToBytes(ack)));
        assertEquals(5L, back.message().msgSerial());
        assertEquals(Action.ACK, back.message().action());
        // the writer grows for a large frame, and drops that array at the next one
        String big = "x".repeat(100_000);
        ProtocolMessage large = ProtocolMessage.messages("room", "id", null, 1L, null,
                List.of(new Message(null, null, null, null, "n", big, null, null, null, null, null)));
        JsonFrameWriter w = new JsonFrameWriter();
        w.write(large);
        assertArrayEquals(generator(large), Arrays.copyOf(w.bytes(), w.length()));
        assertTrue(w.bytes().length >= 100_000);
        w.write(ack);
        assertArrayEquals(generator(ack), Arrays.copyOf(w.bytes(), w.length()));
        assertTrue(w.bytes().length <= 64 * 1024, "the large frame's array is not kept: " + w.bytes().length);
    }

    private static void assertSameBytes(ProtocolMessage frame) throws Exception {
        byte[] expected = generator(frame);
        byte[] got = direct(frame);
        assertArrayEquals(expected, got, () -> "first difference at " + Arrays.mismatch(expected, got) + ": "
                + new String(expected, StandardCharsets.UTF_8) + " vs " + new String(got, StandardCharsets.UTF_8));
    }

    private static byte[] direct(ProtocolMessage frame) throws Exception {
        JsonFrameWriter w = new JsonFrameWriter();
        w.write(frame);
        return Arrays.copyOf(w.bytes(), w.length());
    }

    private static byte[] generator(ProtocolMessage frame) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var gen = CODEC.mapper().getFactory().createGenerator(out)) {
            new ProtocolWriter(WireFormat.JSON).write(gen, frame);
        }
        return out.toByteArray();
    }

    private static String maybe(Random random) {
        return random.nextBoolean() ? null : text(random);
    }

    /** Text of ASCII (every control character and escape among it), two- and three-byte characters, no surrogates. */
    private static String text(Random random) {
        StringBuilder b = new StringBuilder();
        for (int i = random.nextInt(40); i > 0; i--) {
            char c = switch (random.nextInt(4)) {
                case 0 -> (char) random.nextInt(128);
                case 1 -> (char) (0x80 + random.nextInt(0x780));
                case 2 -> (char) (0x800 + random.nextInt(0xD800 - 0x800));
                default -> (char) ('a' + random.nextInt(26));
            };
            b.append(c);
        }
        return b.toString();
    }

    private static byte[] bytes(Random random) {
        byte[] b = new byte[random.nextInt(50)];
        random.nextBytes(b);
        return b;
    }
}
