package dev.hubbub.transport.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The direct MessagePack writer must produce exactly the bytes ProtocolWriter writes through Jackson's generator. */
class MsgpackFrameWriterTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Test
    void framesTheBrokerSendsComeOutByteForByteAsTheGeneratorWritesThem() throws Exception {
        ObjectNode extras = NODES.objectNode();
        extras.putObject("headers").put("a", "b").put("n", 300).put("neg", -40_000L).put("d", 1.5).put("f", 2.5f)
                .put("t", true).put("no", false).putNull("nil").put("bin", new byte[] {1, 2, 3});
        extras.putArray("list").add(1).add("two").addObject().put("three", 3);
        List<ProtocolMessage> frames = List.of(
                ProtocolMessage.heartbeat(null),
                ProtocolMessage.heartbeat("hb-1"),
                ProtocolMessage.connected("conn-1", new ConnectionDetails("alice", "key-1!abc", 65536, 524288, 50,
                        15_000L, 120_000L, "hubbub-1"), null, 1_700_000_000_000L),
                ProtocolMessage.connected("conn-2", new ConnectionDetails(null, "key-2", 1, 2, 3, 4, 5, null),
                        new ErrorInfo("token expired", 40142, 401), 42L),
                ProtocolMessage.error(new ErrorInfo("", 50000, 500)),
                ProtocolMessage.ack(3, 1, List.of(new PublishResult(List.of("01a:0")))),
                ProtocolMessage.ack(Long.MAX_VALUE, 3, List.of(new PublishResult(Arrays.asList("s1", null, "s3")),
                        new PublishResult(List.of()))),
                ProtocolMessage.nack(7, 2, new ErrorInfo("Channel denied access \u00e9", 40160, 401)),
                ProtocolMessage.messages("room", "c1:5", "c1", 1234L, "0002", List.of(
                        new Message("c1:5:0", "alice", "c1", null, "greeting", "h\u00e9llo \uD83D\uDE00", null, extras,
                                1234L, 0, "0002"),
                        new Message(null, null, null, "ck", null, new byte[300], "utf-8/cipher", null, null, null, null),
                        new Message("b64", null, null, null, "n", Base64.getEncoder().encodeToString(new byte[] {9, 8}),
                                "utf-8/base64", null, -1L, 2, null),
                        new Message("b64-alone", null, null, null, null, "AAEC", "base64", null, null, null, null),
                        new Message("not-b64", null, null, null, null, "!!not base64", "base64", null, null, null, null),
                        new Message("json", null, null, null, null, "{\"a\":1}", "json", null, null, null, null))),
                ProtocolMessage.presence(Action.PRESENCE, "room", "p:1", "c1", 99L, "serial:9", List.of(
                        new PresenceMessage("c1:0:0", PresenceAction.values()[0], "alice", "c1", "status", null, extras, 99L),
                        new PresenceMessage(null, PresenceAction.values()[PresenceAction.values().length - 1], null, null,
                                new byte[] {1}, "cipher", null, null))),
                new ProtocolMessage(Action.ATTACHED, null, "room", "serial:1", null, null, null, null, 1 << 18, null,
                        null, null, null, "token-is-never-written", params(20), null));
        for (ProtocolMessage frame : frames) {
            assertSameBytes(frame);
        }
    }

    @Test
    void everyIntAndStringAndContainerSizeBoundaryMatches() throws Exception {
        List<Long> numbers = new ArrayList<>();
        for (int bit = 0; bit < 63; bit++) {
            long p = 1L << bit;
            for (long v : new long[] {p - 1, p, p + 1, -p + 1, -p, -p - 1}) {
                numbers.add(v);
            }
        }
        numbers.add(Long.MAX_VALUE);
        numbers.add(Long.MIN_VALUE);
        for (long v : numbers) {
            assertSameBytes(new ProtocolMessage(Action.ACK, null, null, null, null, null, null, null, null, v, null, null,
                    v, null, null, null));
        }
        for (int length : new int[] {0, 1, 31, 32, 255, 256, 511, 512, 65535, 65536, 70_000}) {
            for (char c : new char[] {'a', '\u00e9', '\u20ac', '\uD800'}) {
                char[] chars = new char[length];
                Arrays.fill(chars, 'x');
                if (length > 0) {
                    chars[length / 2] = c;
                }
                String s = new String(chars);
                assertSameBytes(ProtocolMessage.messages(s, "id", null, 1L, null, List.of(
                        new Message(null, null, null, null, s, s.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                null, null, null, null, null))));
            }
        }
        for (int size : new int[] {15, 16, 17, 65535, 65536}) {
            List<Message> many = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                many.add(new Message(null, null, null, null, null, null, null, null, null, i, null));
            }
            assertSameBytes(ProtocolMessage.messages("c", null, null, 1L, null, many));
            assertSameBytes(new ProtocolMessage(Action.ATTACH, null, "c", null, null, null, null, null, null, null,
                    null, null, null, null, params(Math.min(size, 70)), null));
        }
    }

    @Test
    void randomFramesMatch() throws Exception {
        Random random = new Random(14);
        for (int i = 0; i < 3_000; i++) {
            List<Message> messages = new ArrayList<>();
            for (int j = random.nextInt(4); j > 0; j--) {
                Object data = switch (random.nextInt(4)) {
                    case 0 -> null;
                    case 1 -> text(random);
                    case 2 -> bytes(random);
                    default -> Base64.getEncoder().encodeToString(bytes(random));
                };
                messages.add(new Message(maybe(random), maybe(random), maybe(random), maybe(random), maybe(random), data,
                        random.nextBoolean() ? null : random.nextBoolean() ? "base64" : "utf-8/" + text(random),
                        random.nextInt(3) == 0 ? objectTree(random) : null,
                        random.nextBoolean() ? null : random.nextLong() >> random.nextInt(64),
                        random.nextBoolean() ? null : random.nextInt(10), maybe(random)));
            }
            assertSameBytes(new ProtocolMessage(Action.values()[random.nextInt(Action.values().length)], maybe(random),
                    maybe(random), maybe(random), maybe(random), null,
                    random.nextBoolean() ? null : random.nextInt() >> random.nextInt(32), null,
                    random.nextBoolean() ? null : random.nextInt(), random.nextBoolean() ? null : random.nextLong() >> random.nextInt(64),
                    random.nextBoolean() ? null : messages, null, random.nextBoolean() ? null : random.nextLong(), null,
                    random.nextInt(4) == 0 ? params(random.nextInt(20)) : null, null));
        }
    }

    @Test
    void extrasOnlyTheGeneratorWritesExactlyGoThroughIt() throws Exception {
        for (JsonNode odd : List.<JsonNode>of(NODES.numberNode(BigInteger.ONE.shiftLeft(63)),
                NODES.numberNode(new java.math.BigDecimal("1.25")), NODES.pojoNode(List.of(1)))) {
            ObjectNode extras = NODES.objectNode();
            extras.put("first", "kept").set("odd", odd);
            ProtocolMessage frame = ProtocolMessage.messages("room", "id", null, 1L, null,
                    List.of(new Message(null, null, null, null, "n", "d", null, extras, null, null, null)));
            ByteBuf direct = Unpooled.buffer();
            assertSame(GiveUp.INSTANCE, assertThrows(GiveUp.class,
                    () -> MsgpackFrameWriter.write(frame, direct)));
            // the codec starts the frame again in the generator, from where it began: nothing of the first attempt stays
            ByteBuf viaCodec = Unpooled.buffer();
            viaCodec.writeBytes(new byte[] {7, 7});
            ProtocolCodec.of(WireFormat.MSGPACK).write(frame, viaCodec);
            byte[] expected = generator(frame);
            byte[] got = new byte[viaCodec.readableBytes() - 2];
            viaCodec.getBytes(2, got);
            assertArrayEquals(expected, got);
        }
    }

    @Test
    void theCodecWritesMessagePackFramesThroughTheDirectWriter() throws Exception {
        ProtocolMessage ack = ProtocolMessage.ack(5, 1, List.of(new PublishResult(List.of("x:0"))));
        assertArrayEquals(generator(ack), ProtocolCodec.of(WireFormat.MSGPACK).encodeToBytes(ack));
        DecodeResult back = ProtocolCodec.of(WireFormat.MSGPACK).decode(Unpooled.wrappedBuffer(direct(ack)));
        assertEquals(5L, back.message().msgSerial());
        assertEquals(Action.ACK, back.message().action());
    }

    private static void assertSameBytes(ProtocolMessage frame) throws Exception {
        byte[] expected = generator(frame);
        byte[] got = direct(frame);
        assertArrayEquals(expected, got, () -> "first difference at " + Arrays.mismatch(expected, got) + " of "
                + expected.length + "/" + got.length + ": " + around(expected, got) + " in frame " + frame);
    }

    private static String around(byte[] expected, byte[] got) {
        int at = (int) Arrays.mismatch(expected, got);
        int from = Math.max(0, at - 4);
        return io.netty.buffer.ByteBufUtil.hexDump(expected, from, Math.min(12, expected.length - from)) + " vs "
                + io.netty.buffer.ByteBufUtil.hexDump(got, from, Math.min(12, got.length - from));
    }

    private static byte[] direct(ProtocolMessage frame) throws Exception {
        ByteBuf buf = Unpooled.buffer();
        MsgpackFrameWriter.write(frame, buf);
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        return out;
    }

    private static byte[] generator(ProtocolMessage frame) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var gen = ProtocolCodec.of(WireFormat.MSGPACK).mapper().getFactory().createGenerator(out)) {
            new ProtocolWriter(WireFormat.MSGPACK).write(gen, frame);
        }
        return out.toByteArray();
    }

    private static Map<String, String> params(int n) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            params.put("k" + i, i % 7 == 3 ? null : "v\u00e9" + i);
        }
        return params;
    }

    private static String maybe(Random random) {
        return random.nextBoolean() ? null : text(random);
    }

    private static String text(Random random) {
        int n = random.nextInt(10) == 0 ? random.nextInt(2_000) : random.nextInt(40);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(switch (random.nextInt(8)) {
                case 0 -> (char) (0x80 + random.nextInt(0x780));
                case 1 -> (char) (0xD800 + random.nextInt(0x800)); // surrogates, paired or not
                case 2 -> (char) random.nextInt(0x10000);
                default -> (char) (0x20 + random.nextInt(0x5f));
            });
        }
        return b.toString();
    }

    private static byte[] bytes(Random random) {
        byte[] b = new byte[random.nextInt(10) == 0 ? random.nextInt(70_000) : random.nextInt(40)];
        random.nextBytes(b);
        return b;
    }

    private static ObjectNode objectTree(Random random) {
        ObjectNode o = NODES.objectNode();
        for (int i = random.nextInt(18); i > 0; i--) {
            o.set(text(random), tree(random, 1));
        }
        return o;
    }

    private static JsonNode tree(Random random, int depth) {
        int kind = depth >= 4 ? 2 + random.nextInt(7) : random.nextInt(9);
        return switch (kind) {
            case 0, 1 -> {
                ObjectNode o = NODES.objectNode();
                for (int i = random.nextInt(18); i > 0; i--) {
                    o.set(text(random), tree(random, depth + 1));
                }
                yield o;
            }
            case 2 -> {
                ArrayNode a = NODES.arrayNode();
                for (int i = depth >= 4 ? 0 : random.nextInt(18); i > 0; i--) {
                    a.add(tree(random, depth + 1));
                }
                yield a;
            }
            case 3 -> NODES.textNode(text(random));
            case 4 -> NODES.numberNode(random.nextLong() >> random.nextInt(64));
            case 5 -> NODES.numberNode((int) (random.nextLong() >> random.nextInt(64)));
            case 6 -> random.nextBoolean() ? NODES.numberNode(random.nextDouble()) : NODES.numberNode(random.nextFloat());
            case 7 -> random.nextBoolean() ? NODES.booleanNode(random.nextBoolean()) : NODES.nullNode();
            default -> NODES.binaryNode(bytes(random));
        };
    }
}
