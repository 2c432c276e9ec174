package dev.hubbub.transport.codec.msgpack;

import static dev.hubbub.transport.codec.msgpack.Frames.JSON;
import static dev.hubbub.transport.codec.msgpack.Frames.MSGPACK;
import static dev.hubbub.transport.codec.msgpack.Frames.decode;
import static dev.hubbub.transport.codec.msgpack.Frames.msgpack;
import static dev.hubbub.transport.codec.msgpack.Frames.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.transport.codec.DecodeResult;
import dev.hubbub.transport.codec.msgpack.Frames.BufferKind;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed MessagePack frames fail like malformed JSON: a DecodeResult with a 40000 ErrorInfo
 * (the msgSerial kept whenever it was read), never an exception, never a hang, never an
 * allocation sized by the peer's declared lengths.
 */
class MalformedMsgpackTest {
    private static final int BAD_REQUEST = ErrorCode.BAD_REQUEST.code();

    /** A valid publish frame: {action:15, channel:"c", msgSerial:7, messages:[{name:"n", data:bin}]}. */
    static byte[] validPublish() {
        return msgpack(p -> {
            p.packMapHeader(4);
            p.packString("action").packInt(15);
            p.packString("channel").packString("c");
            p.packString("msgSerial").packLong(7);
            p.packString("messages").packArrayHeader(1);
            p.packMapHeader(2).packString("name").packString("n");
            p.packString("data").packBinaryHeader(3).writePayload(new byte[] {1, 2, 3});
        });
    }

    @ParameterizedTest
    @EnumSource(BufferKind.class)
    void aValidFrameDecodesFromEveryKindOfBuffer(BufferKind kind) {
        DecodeResult r = decode(MSGPACK, validPublish(), kind);
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
        assertEquals(Action.MESSAGE, r.message().action());
        assertEquals(7L, r.message().msgSerial());
        assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) r.message().messages().get(0).data());
    }

    @Test
    void nilFieldsAreAbsentAsInAblyJava() {
        DecodeResult r = decode(MSGPACK, msgpack(p -> {
            p.packMapHeader(3);
            p.packString("action").packInt(10);
            p.packString("channel").packString("c");
            p.packString("flags").packNil();
        }));
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
        assertNull(r.message().flags());
    }

    /** name, MessagePack bytes, the expected msgSerial (null: not readable), a fragment of the message. */
    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("never-used byte 0xc1", new byte[] {(byte) 0xc1}, null, "Malformed MSGPACK"),
                Arguments.of("empty frame", new byte[0], null, "empty"),
                Arguments.of("text instead of msgpack", utf8("hello there"), null, "expected a MSGPACK object"),
                Arguments.of("an array, not a map", msgpack(p -> p.packArrayHeader(1).packInt(15)), null, "expected a MSGPACK object"),
                Arguments.of("truncated map after msgSerial", msgpack(p -> {
                    p.packMapHeader(3);
                    p.packString("msgSerial").packLong(7);
                    p.packString("action").packInt(15);
                }), 7L, "truncated"),
                Arguments.of("truncated inside messages", Arrays.copyOf(validPublish(), validPublish().length - 2), 7L, "Malformed MSGPACK"),
                Arguments.of("integer map key", msgpack(p -> p.packMapHeader(1).packInt(0).packInt(15)), null, "map key is not a string"),
                Arguments.of("binary map key spelling 'action'", msgpack(p -> {
                    p.packMapHeader(1).packBinaryHeader(6).writePayload(utf8("action"));
                    p.packInt(0);
                }), null, "map key is not a string"),
                Arguments.of("integer key inside a message", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packArrayHeader(1).packMapHeader(1).packInt(1).packString("x");
                }), 7L, "map key is not a string"),
                Arguments.of("action as a string", msgpack(p -> p.packMapHeader(1).packString("action").packString("15")), null, "action"),
                Arguments.of("action out of int range", msgpack(p -> p.packMapHeader(1).packString("action").packLong(1L << 40)), null, "action"),
                Arguments.of("msgSerial as a string", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("channel").packString("c");
                    p.packString("msgSerial").packString("7");
                }), null, "msgSerial"),
                Arguments.of("msgSerial as a float", msgpack(p -> p.packMapHeader(2).packString("action").packInt(15)
                        .packString("msgSerial").packDouble(7.5)), null, "msgSerial"),
                Arguments.of("msgSerial beyond int64", msgpack(p -> p.packMapHeader(2).packString("action").packInt(15)
                        .packString("msgSerial").packBigInteger(new java.math.BigInteger("18446744073709551615"))), null, "msgSerial"),
                Arguments.of("messages as a map", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packMapHeader(0);
                }), 7L, "messages"),
                Arguments.of("messages as a string", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packString("[]");
                }), 7L, "messages"),
                Arguments.of("an extension value", msgpack(p -> p.packExtensionTypeHeader((byte) 1, 2).writePayload(new byte[2])), null, "extension"),
                Arguments.of("a timestamp extension as msgSerial", msgpack(p -> {
                    p.packMapHeader(2).packString("action").packInt(15);
                    p.packString("msgSerial").packTimestamp(java.time.Instant.ofEpochSecond(1));
                }), null, "extension"),
                Arguments.of("an extension as data", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packArrayHeader(1).packMapHeader(1).packString("data");
                    p.packExtensionTypeHeader((byte) 5, 1).writePayload(new byte[1]);
                }), 7L, "extension"),
                Arguments.of("an extension inside extras", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packArrayHeader(1).packMapHeader(1).packString("extras");
                    p.packMapHeader(1).packString("headers").packExtensionTypeHeader((byte) 5, 1).writePayload(new byte[1]);
                }), 7L, "extension"),
                Arguments.of("huge declared array", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packArrayHeader(Integer.MAX_VALUE);
                }), 7L, "declares 2147483647 entries"),
                Arguments.of("huge declared map", msgpack(p -> p.packMapHeader(Integer.MAX_VALUE)), null, "declares 2147483647 entries"),
                Arguments.of("huge declared bin", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packArrayHeader(1).packMapHeader(1).packString("data");
                    p.packBinaryHeader(Integer.MAX_VALUE);
                }), 7L, "declares 2147483647 bytes"),
                Arguments.of("huge declared str", msgpack(p -> p.packMapHeader(1).packString("channel").packRawStringHeader(Integer.MAX_VALUE)),
                        null, "declares 2147483647 bytes"),
                Arguments.of("map size beyond int", new byte[] {(byte) 0xdf, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}, null,
                        "Malformed MSGPACK"),
                Arguments.of("nested past the depth limit", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages");
                    for (int i = 0; i < 2000; i++) {
                        p.packArrayHeader(1);
                    }
                    p.packNil();
                }), 7L, "nested deeper"),
                Arguments.of("trailing bytes", concat(validPublish(), new byte[] {0x01}), 7L, "trailing"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedMsgpackIsA40000WithTheMsgSerialWhenReadable(String name, byte[] frame, Long msgSerial, String fragment) {
        for (BufferKind kind : BufferKind.values()) {
            DecodeResult r = decode(MSGPACK, frame, kind);
            assertFalse(r.isOk(), name);
            assertEquals(BAD_REQUEST, r.error().code(), () -> name + ": " + r.error());
            assertEquals(400, r.error().statusCode());
            assertEquals(msgSerial, r.msgSerial(), name);
            assertTrue(r.error().message().contains(fragment), () -> name + ": " + r.error().message());
        }
    }

    @Test
    void declaredLengthsAllocateNothingBig() {
        byte[][] frames = {
                msgpack(p -> p.packMapHeader(1).packString("data").packBinaryHeader(Integer.MAX_VALUE)),
                msgpack(p -> p.packMapHeader(1).packString("data").packRawStringHeader(Integer.MAX_VALUE)),
                msgpack(p -> p.packMapHeader(1).packString("data").packExtensionTypeHeader((byte) 1, Integer.MAX_VALUE)),
                msgpack(p -> p.packMapHeader(1).packString("messages").packArrayHeader(Integer.MAX_VALUE)),
                msgpack(p -> p.packMapHeader(Integer.MAX_VALUE))};
        for (byte[] frame : frames) {
            decode(MSGPACK, frame, BufferKind.HEAP); // warm up class loading
            long before = allocatedBytes();
            DecodeResult r = decode(MSGPACK, frame, BufferKind.HEAP);
            long allocated = allocatedBytes() - before;
            assertFalse(r.isOk());
            assertTrue(allocated < 1_000_000, "decoding a " + frame.length + "-byte frame allocated " + allocated + " bytes");
        }
    }

    /** The same mistakes in JSON and in MessagePack get the same code, and keep the same msgSerial. */
    static Stream<Arguments> pairs() {
        return Stream.of(
                Arguments.of("{\"action\":15,\"msgSerial\":7,\"messages\":{}}", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packMapHeader(0);
                })),
                Arguments.of("{\"action\":\"15\"}", msgpack(p -> p.packMapHeader(1).packString("action").packString("15"))),
                Arguments.of("{\"msgSerial\":7,\"action\":15", msgpack(p -> {
                    p.packMapHeader(3).packString("msgSerial").packLong(7).packString("action").packInt(15);
                })),
                Arguments.of("[15]", msgpack(p -> p.packArrayHeader(1).packInt(15))),
                Arguments.of("{\"action\":15,\"msgSerial\":7,\"messages\":[{\"clientId\":5}]}", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packArrayHeader(1).packMapHeader(1).packString("clientId").packInt(5);
                })),
                Arguments.of("{\"action\":15,\"msgSerial\":7,\"messages\":[{\"data\":true}]}", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packArrayHeader(1).packMapHeader(1).packString("data").packBoolean(true);
                })),
                Arguments.of("{\"action\":15,\"msgSerial\":7,\"messages\":[{\"action\":-1}]}", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packArrayHeader(1).packMapHeader(1).packString("action").packInt(-1);
                })),
                Arguments.of("{\"action\":15,\"msgSerial\":7,\"messages\":[{\"extras\":{\"delta\":1}}]}", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(15).packString("msgSerial").packLong(7);
                    p.packString("messages").packArrayHeader(1).packMapHeader(1).packString("extras");
                    p.packMapHeader(1).packString("delta").packInt(1);
                })),
                Arguments.of("{\"action\":10,\"channel\":\"c\",\"msgSerial\":7} 1", msgpack(p -> {
                    p.packMapHeader(3).packString("action").packInt(10).packString("channel").packString("c");
                    p.packString("msgSerial").packLong(7).packInt(1);
                })),
                Arguments.of("{\"action\":99,\"channel\":\"c\"}", msgpack(p -> {
                    p.packMapHeader(2).packString("action").packInt(99).packString("channel").packString("c");
                })));
    }

    @ParameterizedTest
    @MethodSource("pairs")
    void sameErrorAsTheJsonEquivalent(String json, byte[] frame) {
        DecodeResult fromJson = decode(JSON, utf8(json));
        DecodeResult fromMsgpack = decode(MSGPACK, frame);
        assertFalse(fromJson.isOk(), json);
        assertFalse(fromMsgpack.isOk(), json);
        assertEquals(fromJson.error().code(), fromMsgpack.error().code(), () -> fromJson.error() + " vs " + fromMsgpack.error());
        assertEquals(fromJson.error().statusCode(), fromMsgpack.error().statusCode());
        assertEquals(fromJson.msgSerial(), fromMsgpack.msgSerial(), json);
        assertEquals(fromJson.channel(), fromMsgpack.channel(), json);
    }

    @Test
    void mutatedFramesNeverThrowOrHang() {
        byte[] valid = validPublish();
        Random random = new Random(7);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            for (int i = 0; i < 5000; i++) {
                byte[] frame = random.nextBoolean()
                        ? Arrays.copyOf(valid, random.nextInt(valid.length + 1))
                        : valid.clone();
                for (int flips = random.nextInt(4); flips >= 0 && frame.length > 0; flips--) {
                    frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
                }
                DecodeResult r = decode(MSGPACK, frame, BufferKind.HEAP);
                if (!r.isOk()) {
                    int code = r.error().code();
                    assertTrue(code >= 40000 && code < 50000 || code == ErrorCode.PROTOCOL_ERROR.code(), r.error().toString());
                }
            }
        });
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
