package dev.hubbub.transport.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.ProtocolMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The parser-free path against the parser's: whatever it reads, the parser's path reads the same
 * (and the tree path accepts); the common publish takes it; what it cannot read exactly it gives up
 * on, whatever the bytes.
 */
class JsonByteReaderTest {
    private final ProtocolCodec codec = ProtocolCodec.of(WireFormat.JSON);

    static final List<String> READ = List.of(
            "{\"action\":15,\"channel\":\"room\",\"msgSerial\":0,\"messages\":[{\"name\":\"greeting\",\"data\":\"hello\"}]}",
            "{\"action\":15,\"channel\":\"room\",\"msgSerial\":7,\"messages\":[{\"id\":\"m1\",\"clientId\":\"Bob\",\"name\":\"n\","
                    + "\"data\":\"aGk=\",\"encoding\":\"utf-8/base64\",\"connectionId\":\"c\",\"connectionKey\":\"k\",\"action\":0}]}",
            " {\n\t\"action\" : 15 ,\r\"channel\":\"c\", \"msgSerial\": 9223372036854775 , \"messages\" : [ { } , {\"data\":null} ] } \n",
            "{\"messages\":[],\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"id\":\"x\",\"connectionId\":\"y\",\"count\":3,"
                    + "\"flags\":-5,\"timestamp\":1700000000000,\"channelSerial\":\"s:1\"}",
            "{\"action\":15,\"action\":15,\"channel\":\"first\",\"channel\":\"last\",\"msgSerial\":-0,\"messages\":[{\"data\":\"a\",\"data\":\"b\"}]}",
            "{\"action\":0}",
            "{\"action\":15,\"channel\":null,\"msgSerial\":null,\"messages\":null,\"id\":null,\"count\":null}",
            "{\"action\":15,\"channel\":\"del \u007f and ~ { } [ ] : ,\",\"msgSerial\":1,\"messages\":[]}");

    static final List<String> GIVEN_UP = List.of(
            "{\"action\":15,\"channel\":\"caf\u00e9\",\"msgSerial\":1,\"messages\":[]}",
            "{\"action\":15,\"channel\":\"a\\\"b\",\"msgSerial\":1,\"messages\":[]}",
            "{\"action\":15,\"channel\":\"a\\u0041\",\"msgSerial\":1,\"messages\":[]}",
            "{\"action\":15,\"channel\":\"tab\tin\",\"msgSerial\":1,\"messages\":[]}",
            "{\"act\\u0069on\":15}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"data\":{\"a\":1}}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"data\":[1]}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"extras\":{\"headers\":{}}}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"size\":1}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"other\":1}",
            "{\"action\":14,\"channel\":\"c\",\"msgSerial\":1,\"presence\":[]}",
            "{\"action\":17,\"auth\":{\"accessToken\":\"t\"}}",
            "{\"action\":10,\"channel\":\"c\",\"params\":{}}",
            "{\"action\":1.0}",
            "{\"action\":1e1}",
            "{\"action\":01}",
            "{\"action\":+1}",
            "{\"action\":-}",
            "{\"action\":15,\"msgSerial\":1234567890123456789}",
            "{\"action\":4294967296}",
            "{\"action\":99}",
            "{\"action\":\"15\"}",
            "{\"action\":true}",
            "{\"action\":nul}",
            "{\"action\":nullx}",
            "{\"action\":15,\"channel\":5}",
            "{\"action\":15,\"messages\":[{\"action\":-1}]}",
            "{\"action\":15,\"messages\":[null]}",
            "{\"action\":15,\"messages\":{}}",
            "{\"action\":15,}",
            "{,\"action\":15}",
            "{\"action\":15",
            "{\"action\":15} x",
            "{\"action\":15}{}",
            "[{\"action\":15}]",
            "\ufeff{\"action\":15}",
            "",
            "   ");

    @Test
    void theCommonPublishIsReadWithoutAParserAndAsTheParserReadsIt() throws Exception {
        for (String frame : READ) {
            ProtocolMessage fast = JsonByteReader.read(heap(frame));
            assertEquals(codec.parseJson(heap(frame)), fast, frame);
            assertEquals(codec.decodeAsTree(heap(frame)).message(), fast, frame);
            assertEquals(fast, JsonByteReader.read(direct(frame)), "a direct buffer: " + frame);
        }
        String sliced = "xx" + READ.get(1) + "yy";
        ByteBuf whole = Unpooled.copiedBuffer(sliced, StandardCharsets.ISO_8859_1);
        ByteBuf slice = whole.slice(2, whole.readableBytes() - 4);
        int reader = slice.readerIndex();
        assertEquals(codec.parseJson(heap(READ.get(1))), JsonByteReader.read(slice), "only the readable bytes are the frame");
        assertEquals(reader, slice.readerIndex(), "and they stay readable");
    }

    @Test
    void whatItCannotReadExactlyItGivesUpOnAndTheCodecStillDecidesAsTheTreeDoes() {
        for (String frame : GIVEN_UP) {
            assertThrows(GiveUp.class, () -> JsonByteReader.read(heap(frame)), frame);
            assertEquals(codec.decodeAsTree(heap(frame)), codec.decode(heap(frame)), frame);
        }
        for (String frame : JsonFrameReaderTest.INVALID) {
            assertThrows(GiveUp.class, () -> JsonByteReader.read(heap(frame)), frame);
        }
    }

    // Random frames, and the same frames with bytes changed, cut or inserted: whatever the byte reader
    // accepts, the parser's path reads the same and the tree path accepts.
    @Test
    void itNeverReadsAFrameOtherwiseThanTheParser() {
        Random random = new Random(20261205L);
        int read = 0;
        byte[] noise = " \t\n\"\\{}[],:-.0159eEnul\u00e9x".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 20_000; i++) {
            byte[] frame = JsonFrameReaderTest.randomFrame(random).getBytes(StandardCharsets.UTF_8);
            if (i % 2 == 1 && frame.length > 0) {
                int at = random.nextInt(frame.length);
                switch (random.nextInt(3)) {
                    case 0 -> frame[at] = noise[random.nextInt(noise.length)];
                    case 1 -> frame = java.util.Arrays.copyOf(frame, at);
                    default -> {
                        byte[] longer = new byte[frame.length + 1];
                        System.arraycopy(frame, 0, longer, 0, at);
                        longer[at] = noise[random.nextInt(noise.length)];
                        System.arraycopy(frame, at, longer, at + 1, frame.length - at);
                        frame = longer;
                    }
                }
            }
            ProtocolMessage fast;
            try {
                fast = JsonByteReader.read(Unpooled.wrappedBuffer(frame));
            } catch (GiveUp e) {
                continue;
            }
            read++;
            String text = new String(frame, StandardCharsets.UTF_8);
            ProtocolMessage parsed = codec.parseJson(Unpooled.wrappedBuffer(frame));
            assertNotNull(parsed, "the parser's path gave up on what the byte reader read: " + text);
            assertEquals(parsed, fast, text);
            assertTrue(codec.decodeAsTree(Unpooled.wrappedBuffer(frame)).isOk(), "the tree refuses it: " + text);
        }
        assertTrue(read > 1_000, "too few frames took the byte reader to test it: " + read);
    }

    private static ByteBuf heap(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuf direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Unpooled.directBuffer(b.length).writeBytes(b);
    }
}
