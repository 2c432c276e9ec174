package dev.hubbub.bench.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.bench.run.Payload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON reader's word-at-a-time string skipping, at every alignment. */
class JsonFrameReaderTest {
    private static long word(String eight) {
        return ByteBuffer.wrap(eight.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void findsAQuoteOrBackslashInAnyOfTheEightBytes() {
        assertFalse(JsonFrameReader.hasQuoteOrBackslash(word("abcdefgh")));
        assertFalse(JsonFrameReader.hasQuoteOrBackslash(word("\u00e9\u00ff!#[]{}")), "high bytes and neighbours of '\"' are not quotes");
        for (int i = 0; i < 8; i++) {
            char[] c = "abcdefgh".toCharArray();
            c[i] = '"';
            assertTrue(JsonFrameReader.hasQuoteOrBackslash(word(new String(c))), "quote at " + i);
            c[i] = '\\';
            assertTrue(JsonFrameReader.hasQuoteOrBackslash(word(new String(c))), "backslash at " + i);
        }
    }

    @Test
    void stringsOfEveryLengthWithEscapesAnywhereAreSkippedExactly() throws IOException {
        ObjectMapper json = new ObjectMapper();
        WireCodec codec = new WireCodec(WireCodec.Format.JSON);
        String stamped = new Payload(30).encode(123_456L);
        for (int len = 0; len < 40; len++) {
            for (int escapeAt = -1; escapeAt < len; escapeAt += 3) {
                StringBuilder sb = new StringBuilder("x".repeat(len));
                if (escapeAt >= 0) {
                    sb.setCharAt(escapeAt, escapeAt % 2 == 0 ? '"' : '\\');
                }
                String tricky = sb.toString();
                byte[] frame = json.writeValueAsBytes(Map.of("action", 15, "channel", tricky,
                        "messages", List.of(Map.of("name", tricky, "data", stamped), Map.of("data", tricky))));
                InboundFrame in = codec.decode(frame, 0, frame.length);
                assertEquals(tricky, in.channel(), "len " + len + " escape at " + escapeAt);
                assertEquals(2, in.items());
                assertEquals(123_456L, in.stamp(0));
            }
        }
    }

    // the delivery's own timestamp (when the broker took the publish) is read; a message's timestamp is not it
    @Test
    void theFramesTimestampIsReadAndAMessagesIsNot() throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (WireCodec.Format format : WireCodec.Format.values()) {
            WireCodec codec = new WireCodec(format);
            ObjectMapper mapper = format == WireCodec.Format.JSON ? json
                    : new ObjectMapper(new org.msgpack.jackson.dataformat.MessagePackFactory());
            byte[] frame = mapper.writeValueAsBytes(Map.of("action", 15, "channel", "c", "timestamp", 1_700_000_000_123L,
                    "messages", List.of(Map.of("data", "x", "timestamp", 5L))));
            assertEquals(1_700_000_000_123L, codec.decode(frame, 0, frame.length).timestamp(), format.name());
            byte[] without = mapper.writeValueAsBytes(Map.of("action", 15, "messages", List.of(Map.of("timestamp", 5L))));
            assertEquals(InboundFrame.ABSENT, codec.decode(without, 0, without.length).timestamp(), format.name());
        }
    }
}
