package dev.hubbub.bench.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.bench.run.Payload;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** Frames are built by Jackson (an independent encoder) and read back by the bench's own readers. */
class WireCodecTest {
    private static ObjectMapper mapper(WireCodec.Format f) {
        return f == WireCodec.Format.JSON ? new ObjectMapper() : new ObjectMapper(new MessagePackFactory());
    }

    private static InboundFrame decode(WireCodec.Format f, Object frame) throws IOException {
        byte[] bytes = mapper(f).writeValueAsBytes(frame);
        return new WireCodec(f).decode(Unpooled.wrappedBuffer(bytes));
    }

    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void readsDeliveriesWithStampsAndSkipsEverythingElse(WireCodec.Format f) throws IOException {
        String data = new Payload(40).encode(987_654_321L);
        Map<String, Object> frame = Map.of(
                "action", 15,
                "channel", "room:\"1\"/é",
                "id", "conn:7",
                "timestamp", 1_760_000_000_000L,
                "extras", Map.of("headers", Map.of("a", List.of(1, 2.5, true, "x")), "n", -300_000),
                "messages", List.of(
                        Map.of("id", "conn:7:0", "name", "bench", "data", data, "encoding", "", "serial", "s1",
                                "extras", Map.of("deep", List.of(Map.of("k", "v")))),
                        Map.of("name", "other", "data", "not stamped"),
                        Map.of("name", "binary", "data", new byte[] {1, 2, 3})));
        InboundFrame in = decode(f, frame);
        assertEquals(15, in.action());
        assertEquals("room:\"1\"/é", in.channel());
        assertEquals(3, in.items());
        assertEquals(987_654_321L, in.stamp(0));
        assertEquals(Payload.NO_STAMP, in.stamp(1));
        assertEquals(Payload.NO_STAMP, in.stamp(2));
    }

    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void readsAcksNacksAndErrors(WireCodec.Format f) throws IOException {
        InboundFrame ack = decode(f, Map.of("action", 1, "msgSerial", 5_000_000_000L, "count", 3,
                "res", List.of(Map.of("serials", Arrays.asList("a", null)))));
        assertEquals(1, ack.action());
        assertEquals(5_000_000_000L, ack.msgSerial());
        assertEquals(3, ack.count());
        assertTrue(!ack.hasError());

        InboundFrame nack = decode(f, Map.of("action", 2, "msgSerial", 7, "count", 1,
                "error", Map.of("message", "Malformed message; invalid clientId", "code", 40012, "statusCode", 400,
                        "href", "https://help.ably.io/error/40012")));
        assertEquals(40012, nack.errorCode());
        assertEquals(400, nack.errorStatus());
        assertEquals("40012", nack.errorKey());
        assertEquals("Malformed message; invalid clientId", nack.errorMessage());

        InboundFrame connected = decode(f, Map.of("action", 4, "connectionId", "abc",
                "connectionDetails", Map.of("clientId", "alice", "maxMessageSize", 65536, "connectionKey", "k!abc")));
        assertEquals("abc", connected.connectionId());
        assertEquals("alice", connected.clientId());
        assertEquals("k!abc", connected.connectionKey());
        assertNull(connected.channel());
    }

    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void readsAttachedFlagsAndSyncCursor(WireCodec.Format f) throws IOException {
        InboundFrame attached = decode(f, Map.of("action", 11, "channel", "c", "flags", 983041, "channelSerial", "s1"));
        assertEquals(1, attached.flags() & Actions.HAS_PRESENCE);
        InboundFrame page = decode(f, Map.of("action", 16, "channel", "c", "channelSerial", "sync7:cursor:2",
                "presence", List.of(Map.of("action", 1, "clientId", "a"), Map.of("action", 1, "clientId", "b"))));
        assertEquals(2, page.items());
        assertEquals(1, page.itemAction(1));
        assertTrue(!page.isLastSyncPage());
        assertTrue(decode(f, Map.of("action", 16, "channel", "c", "channelSerial", "sync7:")).isLastSyncPage());
        assertTrue(decode(f, Map.of("action", 16, "channel", "c")).isLastSyncPage());
    }

    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void encodesPublishAttachAndPresence(WireCodec.Format f) throws IOException {
        WireCodec codec = new WireCodec(f);
        var frame = codec.publish(ByteBufAllocator.DEFAULT, "ch", 42, "bench", "payload");
        assertTrue(f == WireCodec.Format.JSON ? frame instanceof TextWebSocketFrame : frame instanceof BinaryWebSocketFrame);
        JsonNode pub = mapper(f).readTree(WireCodec.bytes(frame));
        assertEquals(15, pub.get("action").asInt());
        assertEquals("ch", pub.get("channel").asText());
        assertEquals(42, pub.get("msgSerial").asLong());
        assertEquals("payload", pub.get("messages").get(0).get("data").asText());

        JsonNode attach = mapper(f).readTree(WireCodec.bytes(codec.attach(ByteBufAllocator.DEFAULT, "ch", 0)));
        assertEquals(10, attach.get("action").asInt());
        assertTrue(!attach.has("flags"));

        JsonNode enter = mapper(f).readTree(WireCodec.bytes(codec.presence(ByteBufAllocator.DEFAULT, "ch", 3, Actions.ENTER, "d")));
        assertEquals(14, enter.get("action").asInt());
        assertEquals(2, enter.get("presence").get(0).get("action").asInt());
        assertTrue(!enter.get("presence").get(0).has("clientId"));
    }

    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void aReAttachCarriesTheLastChannelSerial(WireCodec.Format f) throws IOException {
        WireCodec codec = new WireCodec(f);
        JsonNode attach = mapper(f).readTree(WireCodec.bytes(codec.attach(ByteBufAllocator.DEFAULT, "ch", 0, "e1:0000000000042")));
        assertEquals(10, attach.get("action").asInt());
        assertEquals("ch", attach.get("channel").asText());
        assertEquals("e1:0000000000042", attach.get("channelSerial").asText());
        assertTrue(!attach.has("flags"));
        JsonNode first = mapper(f).readTree(WireCodec.bytes(codec.attach(ByteBufAllocator.DEFAULT, "ch", 0, null)));
        assertTrue(!first.has("channelSerial"), "a first attach has no position");
    }

    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void readsSequenceNumbersAndTheFramesChannelSerial(WireCodec.Format f) throws IOException {
        Payload p = new Payload(64);
        InboundFrame in = decode(f, Map.of("action", 15, "channel", "c", "channelSerial", "e1:000000000002a",
                "messages", List.of(Map.of("data", p.encode(11L, 41)), Map.of("data", p.encode(12L, 42)),
                        Map.of("data", new Payload(64).encode(13L)), Map.of("data", "short"))));
        assertEquals("e1:000000000002a", in.channelSerial());
        assertEquals(4, in.items());
        assertEquals(41, in.sequence(0));
        assertEquals(11L, in.stamp(0));
        assertEquals(42, in.sequence(1));
        assertEquals(Payload.NO_SEQUENCE, in.sequence(2), "an unsequenced payload");
        assertEquals(13L, in.stamp(2));
        assertEquals(Payload.NO_SEQUENCE, in.sequence(3));
        InboundFrame attached = decode(f, Map.of("action", 11, "channel", "c", "flags", 4 | (1 << 18), "channelSerial", "s"));
        assertEquals(Actions.RESUMED, attached.flags() & Actions.RESUMED);
    }

    @ParameterizedTest
    @EnumSource(WireCodec.Format.class)
    void truncatedFramesAreErrorsNotHangs(WireCodec.Format f) throws IOException {
        byte[] bytes = mapper(f).writeValueAsBytes(Map.of("action", 15, "channel", "c",
                "messages", List.of(Map.of("data", "0123456789abcdef"))));
        for (int cut = 1; cut < bytes.length; cut++) {
            byte[] part = Arrays.copyOf(bytes, cut);
            assertThrows(IOException.class, () -> new WireCodec(f).decode(part, 0, part.length), "cut at " + cut);
        }
    }
}
