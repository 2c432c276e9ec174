package dev.hubbub.transport.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streaming JSON path against the tree path: for every frame, valid or not, decode gives
 * exactly what the tree path gives; valid frames take the streaming path (else this would prove
 * nothing), and what it gives up on goes to the tree path, whose errors and salvage stand.
 */
class JsonFrameReaderTest {
    private final ProtocolCodec codec = ProtocolCodec.of(WireFormat.JSON);

    static final List<String> VALID = List.of(
            "{\"action\":15,\"channel\":\"room\",\"msgSerial\":0,\"messages\":[{\"name\":\"greeting\",\"data\":\"hello\"}]}",
            "{\"action\":15,\"channel\":\"room\",\"msgSerial\":7,\"messages\":[{\"id\":\"m1\",\"clientId\":\"Bob\",\"name\":\"n\","
                    + "\"data\":{\"a\":[1,2.5,true,null],\"b\":\"\\u00e9\"},\"encoding\":\"utf-8/base64\","
                    + "\"extras\":{\"headers\":{\"k\":\"v\"},\"delta\":{\"format\":\"vcdiff\",\"from\":\"x\"}},\"size\":12}]}",
            "{\"messages\":[{\"data\":[1,\"two\"]},{\"data\":null,\"name\":null},{}],\"action\":15,\"channel\":\"c\",\"msgSerial\":1}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":2,\"messages\":[{\"data\":\"x\",\"action\":0,\"connectionKey\":\"k\","
                    + "\"connectionId\":\"cid\",\"unknown\":{\"deep\":[{\"a\":1}]}}],\"extra\":[1,{\"x\":2}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":3,\"messages\":[{\"data\":{\"x\":1},\"encoding\":\"\"}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":4,\"messages\":[]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":5,\"messages\":null,\"presence\":null}",
            "{\"action\":14,\"channel\":\"c\",\"msgSerial\":6,\"presence\":[{\"action\":2,\"data\":\"hi\",\"clientId\":\"Ann\"}]}",
            "{\"action\":10,\"channel\":\"c\",\"flags\":327680,\"channelSerial\":\"abc:1\",\"params\":{\"rewind\":\"1\",\"n\":2}}",
            "{\"action\":17,\"auth\":{\"accessToken\":\"tok\"}}",
            "{\"action\":17,\"auth\":null}",
            "{\"action\":0}",
            "{\"action\":12,\"channel\":\"c\",\"id\":\"x\",\"connectionId\":\"y\",\"count\":3,\"timestamp\":1700000000000}",
            "{\"action\":15,\"action\":15,\"channel\":\"first\",\"channel\":\"last\",\"msgSerial\":1,\"messages\":[{\"data\":\"a\",\"data\":\"b\"}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"data\":{\"o\":1},\"data\":\"s\",\"encoding\":\"e\"}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"action\":-1,\"action\":1,\"extras\":[],\"extras\":null}]}",
            "  {\"action\":15,\"channel\":\"c\",\"msgSerial\":9223372036854775807,\"messages\":[{\"data\":\"\"}]}  ");

    static final List<String> INVALID = List.of(
            "{\"channel\":\"c\",\"msgSerial\":1}",
            "{\"action\":99,\"msgSerial\":1}",
            "{\"action\":1.0}",
            "{\"action\":\"15\",\"msgSerial\":1,\"channel\":\"c\"}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"data\":5}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"data\":true}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"clientId\":5}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1.5,\"messages\":[]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":99999999999999999999,\"messages\":[]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[]} trailing",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[]}{}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":{}}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[1]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"extras\":[1]}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"extras\":{\"delta\":{\"format\":1}}}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"action\":-1}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"action\":4294967296}]}",
            "{\"action\":10,\"channel\":\"c\",\"params\":[1]}",
            "{\"action\":17,\"auth\":\"tok\"}",
            "{\"action\":17,\"auth\":{\"accessToken\":1}}",
            "{\"action\":14,\"channel\":\"c\",\"msgSerial\":1,\"presence\":[{\"action\":99}]}",
            "[{\"action\":15}]",
            "\"action\"",
            "",
            "{\"msgSerial\":3,\"channel\":\"c\",\"action\":15,\"messages\":[1],\"messages\":[]}",
            "{\"channel\":5,\"msgSerial\":\"x\",\"action\":15}");

    @Test
    void validFramesTakeTheStreamingPathAndDecodeAsTheTreeDoes() {
        for (String frame : VALID) {
            assertNotNull(codec.streamJson(heap(frame)), frame);
            assertSame(frame);
        }
    }

    @Test
    void whatTheStreamingPathGivesUpOnDecodesExactlyAsTheTreeDecidesErrorsAndSalvageIncluded() {
        for (String frame : INVALID) {
            assertNull(codec.streamJson(heap(frame)), frame);
            assertSame(frame);
        }
    }

    @Test
    void largeFramesAndEveryKindOfBufferDecodeAlike() {
        String big = "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"data\":\"" + "x".repeat(40_000) + "\"}]}";
        assertNotNull(codec.streamJson(direct(big)));
        assertSame(big);
        String sliced = "xx" + VALID.get(1) + "yy";
        ByteBuf whole = Unpooled.copiedBuffer(sliced, StandardCharsets.UTF_8);
        ByteBuf slice = whole.slice(2, whole.readableBytes() - 4);
        assertEquals(codec.decodeAsTree(slice.duplicate()), codec.decode(slice.duplicate()));
        assertNotNull(codec.streamJson(slice.duplicate()));
    }

    // Random frames from pools of fields, values of every type, orders and duplicates: the two paths agree on all.
    @Test
    void randomFramesDecodeAsTheTreeDoes() {
        Random random = new Random(20261203L);
        int streamed = 0;
        for (int i = 0; i < 5_000; i++) {
            String frame = randomFrame(random);
            DecodeResult tree = codec.decodeAsTree(heap(frame));
            assertEquals(tree, codec.decode(heap(frame)), frame);
            assertEquals(tree, codec.decode(direct(frame)), frame);
            if (codec.streamJson(heap(frame)) != null) {
                streamed++;
                assertEquals(true, tree.isOk(), "the streaming path accepted what the tree refuses: " + frame);
            }
        }
        assertEquals(true, streamed > 500, "too few random frames were valid to test the streaming path: " + streamed);
    }

    private void assertSame(String frame) {
        DecodeResult tree = codec.decodeAsTree(heap(frame));
        assertEquals(tree, codec.decode(heap(frame)), frame);
        assertEquals(tree, codec.decode(direct(frame)), frame);
    }

    private static ByteBuf heap(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuf direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Unpooled.directBuffer(b.length).writeBytes(b);
    }

    private static final String[] VALUES = {"null", "1", "-1", "0", "15", "14", "2.5", "true", "\"s\"", "\"\"", "[]", "[1]",
            "{}", "{\"a\":1}", "99999999999999999999", "4294967296", "\"json\"", "{\"delta\":{\"format\":\"f\",\"from\":\"g\"}}",
            "[{\"action\":2,\"clientId\":\"A\"}]", "{\"accessToken\":\"t\"}"};
    private static final String[] TOP = {"action", "id", "channel", "channelSerial", "connectionId", "count", "flags",
            "msgSerial", "timestamp", "params", "auth", "presence", "other"};
    private static final String[] MSG = {"id", "clientId", "connectionId", "connectionKey", "name", "data", "encoding",
            "extras", "action", "size"};

    static String randomFrame(Random r) {
        List<String> fields = new ArrayList<>();
        // mostly plausible publishes, so many frames are valid; then noise
        fields.add("\"action\":" + (r.nextInt(4) == 0 ? pick(r, VALUES) : "15"));
        fields.add("\"channel\":" + (r.nextInt(5) == 0 ? pick(r, VALUES) : "\"c\""));
        fields.add("\"msgSerial\":" + (r.nextInt(5) == 0 ? pick(r, VALUES) : Integer.toString(r.nextInt(1000))));
        int n = r.nextInt(3);
        for (int i = 0; i < n; i++) {
            fields.add("\"" + pick(r, TOP) + "\":" + pick(r, VALUES));
        }
        if (r.nextInt(6) != 0) {
            StringBuilder msgs = new StringBuilder("[");
            int count = r.nextInt(3);
            for (int m = 0; m < count; m++) {
                if (m > 0) {
                    msgs.append(',');
                }
                List<String> mf = new ArrayList<>();
                int k = r.nextInt(5);
                for (int j = 0; j < k; j++) {
                    String name = pick(r, MSG);
                    String value = r.nextInt(3) == 0 ? pick(r, VALUES) : switch (name) {
                        case "action" -> Integer.toString(r.nextInt(3));
                        case "data" -> r.nextBoolean() ? "\"d\"" : "{\"x\":[1,2]}";
                        case "extras" -> "{\"headers\":{\"h\":\"v\"}}";
                        default -> "\"v" + j + "\"";
                    };
                    mf.add("\"" + name + "\":" + value);
                }
                msgs.append('{').append(String.join(",", mf)).append('}');
            }
            msgs.append(']');
            fields.add("\"messages\":" + (r.nextInt(10) == 0 ? pick(r, VALUES) : msgs));
        }
        java.util.Collections.shuffle(fields, r);
        String frame = "{" + String.join(",", fields) + "}";
        return r.nextInt(40) == 0 ? frame.substring(0, r.nextInt(frame.length())) : frame;
    }

    private static String pick(Random r, String[] from) {
        return from[r.nextInt(from.length)];
    }
}
