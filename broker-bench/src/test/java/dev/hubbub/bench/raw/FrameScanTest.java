package dev.hubbub.bench.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** Frames are built by Jackson (an independent encoder); the scan must find action and channel wherever they are. */
class FrameScanTest {
    private static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());

    private static FrameScan json(String text) {
        // a frame in the middle of a larger buffer: the scan must keep to readerIndex..writerIndex
        ByteBuf buf = Unpooled.copiedBuffer("xx" + text + "yy", StandardCharsets.UTF_8);
        buf.readerIndex(2).writerIndex(buf.writerIndex() - 2);
        return FrameScan.scan(buf, false);
    }

    private static FrameScan msgpack(Object frame) throws Exception {
        return FrameScan.scan(Unpooled.wrappedBuffer(MSGPACK.writeValueAsBytes(frame)), true);
    }

    @Test
    void jsonFindsBothFieldsInAnyOrderPastNestedValues() {
        FrameScan s = json(" { \"id\" : \"x}\\\"{\", \"extras\":{\"a\":[1,{\"channel\":\"inner\"},\"]\"]},"
                + "\"msgSerial\":-12.5e3, \"ok\":true, \"n\":null, \"channel\" : \"room-1\" , \"action\" : 15 }");
        assertEquals(15, s.action);
        assertEquals("room-1", s.channel);
        s = json("{\"action\":10,\"channel\":\"c\"}");
        assertEquals(10, s.action);
        assertEquals("c", s.channel);
    }

    @Test
    void jsonDecodesEscapedAndNonAsciiChannelNames() {
        FrameScan s = json("{\"action\":15,\"channel\":\"room \\\"1\\\" \\u00e9/\u00fc\",\"messages\":[]}");
        assertEquals("room \"1\" \u00e9/\u00fc", s.channel);
    }

    @Test
    void jsonWithoutTheFieldsOrMalformedGivesNoAction() {
        FrameScan s = json("{\"action\":7}");
        assertEquals(7, s.action);
        assertNull(s.channel);
        assertEquals(-1, json("{}").action);
        assertEquals(-1, json("[15]").action);
        assertEquals(-1, json("{\"action\":15,\"channel\":\"cut").action);
        assertEquals(-1, json("{\"channel\":\"a\" \"action\":15}").action);
        assertEquals(-1, json("{\"action\":\"15\"}").action);
        assertEquals(-1, json("").action);
    }

    @Test
    void msgpackFindsBothFieldsPastEveryKindOfValue() throws Exception {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("id", "x".repeat(40)); // str8
        frame.put("timestamp", 1_760_000_000_000L);
        frame.put("neg", -300_000);
        frame.put("f", 2.5);
        frame.put("bin", new byte[300]); // bin16
        frame.put("extras", Map.of("deep", List.of(Map.of("channel", "inner"), true, "y".repeat(70_000))));
        for (int i = 0; i < 12; i++) {
            frame.put("pad" + i, i); // 19 entries: a map16 header
        }
        frame.put("channel", "room-\u00e9");
        frame.put("action", 15);
        FrameScan s = msgpack(frame);
        assertEquals(15, s.action);
        assertEquals("room-\u00e9", s.channel);
    }

    @Test
    void msgpackWithoutTheFieldsOrMalformedGivesNoAction() throws Exception {
        assertEquals(-1, msgpack(Map.of("channel", "a")).action);
        assertEquals(-1, msgpack(List.of(15, "a")).action);
        assertEquals(-1, msgpack(Map.of("action", "15")).action);
        byte[] cut = MSGPACK.writeValueAsBytes(Map.of("id", "abcdef", "action", 15));
        assertEquals(-1, FrameScan.scan(Unpooled.wrappedBuffer(cut, 0, cut.length - 4), true).action);
        assertEquals(10, msgpack(Map.of("action", 10)).action);
        assertEquals(300, msgpack(Map.of("action", 300)).action);
    }
}
