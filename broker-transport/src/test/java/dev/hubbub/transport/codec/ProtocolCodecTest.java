package dev.hubbub.transport.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ConnectionDetails;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** JSON and MessagePack decoding and encoding of ProtocolMessages, including bad input. */
class ProtocolCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());
    private static final ProtocolCodec JSON_CODEC = ProtocolCodec.of(WireFormat.JSON);
    private static final ProtocolCodec MSGPACK_CODEC = ProtocolCodec.of(WireFormat.MSGPACK);

    private static DecodeResult decodeJson(String json) {
        ByteBuf buf = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return JSON_CODEC.decode(buf);
        } finally {
            buf.release();
        }
    }

    private static DecodeResult decode(ProtocolCodec codec, byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            return codec.decode(buf);
        } finally {
            buf.release();
        }
    }

    private static JsonNode encodeToTree(ProtocolCodec codec, ProtocolMessage m) throws Exception {
        byte[] bytes = codec.encodeToBytes(m);
        return (codec.format() == WireFormat.JSON ? JSON : MSGPACK).readTree(bytes);
    }

    private static ProtocolMessage publishFrame(Message... messages) {
        return new ProtocolMessage(Action.MESSAGE, null, "room", null, null, null, null, null, null, 5L, List.of(messages),
                null, null, null, null, null);
    }

    // ---- decoding what the SDKs send

    @Test
    void decodesAblyJavaAttachWithItsExtraZeroFields() {
        DecodeResult r = decodeJson("{\"action\":10,\"flags\":0,\"count\":0,\"channel\":\"ja-56d837\",\"timestamp\":0}");
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
        assertEquals(Action.ATTACH, r.message().action());
        assertEquals("ja-56d837", r.message().channel());
        assertEquals(0, r.message().flagsOrZero());
    }

    @Test
    void decodesAblyJsMessageIgnoringUnknownFields() {
        DecodeResult r = decodeJson("{\"action\":15,\"channel\":\"a\",\"messages\":[{\"name\":\"greeting\","
                + "\"data\":\"{\\\"hello\\\":\\\"world\\\"}\",\"action\":0,\"encoding\":\"json\",\"size\":25,"
                + "\"clientId\":\"mallory\",\"extras\":{\"headers\":{\"k\":\"v\"}}}],\"msgSerial\":3}");
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
        ProtocolMessage m = r.message();
        assertEquals(Action.MESSAGE, m.action());
        assertEquals(3L, m.msgSerial());
        Message msg = m.messages().get(0);
        assertEquals("greeting", msg.name());
        assertEquals("{\"hello\":\"world\"}", msg.data());
        assertEquals("json", msg.encoding());
        assertEquals("mallory", msg.clientId());
        assertEquals("v", msg.extras().path("headers").path("k").asText());
    }

    @Test
    void decodesHeartbeatAndAuth() {
        assertEquals("abc", decodeJson("{\"action\":0,\"id\":\"abc\"}").message().id());
        assertEquals("tok", decodeJson("{\"action\":17,\"auth\":{\"accessToken\":\"tok\"}}").message().authAccessToken());
    }

    @Test
    void objectDataIsStringifiedWithJsonEncoding() {
        Message m = decodeJson("{\"action\":15,\"channel\":\"a\",\"msgSerial\":0,\"messages\":[{\"data\":{\"a\":1}},"
                + "{\"data\":[1,2],\"encoding\":\"utf-8\"}]}").message().messages().get(0);
        assertEquals("{\"a\":1}", m.data());
        assertEquals("json", m.encoding());
    }

    @Test
    void decodesMsgpackWithBinaryData() throws Exception {
        ObjectNode root = MSGPACK.createObjectNode();
        root.put("action", 15).put("channel", "bin").put("msgSerial", 9);
        root.putArray("messages").addObject().put("name", "raw").put("data", new byte[] {0, 1, (byte) 0xff});
        DecodeResult r = decode(MSGPACK_CODEC, MSGPACK.writeValueAsBytes(root));
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
        assertEquals(9L, r.message().msgSerial());
        assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, (byte[]) r.message().messages().get(0).data());
    }

    // ---- round trips and encoding rules

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void messageFrameRoundTrips(WireFormat format) {
        ProtocolCodec codec = ProtocolCodec.of(format);
        Message text = new Message("c1:5:0", "alice", "c1", null, "greeting", "hello", null, JSON.createObjectNode().put("x", 1),
                1234L, 0, "0001");
        Message binary = new Message("c1:5:1", "alice", "c1", null, "raw", new byte[] {1, 2, 3}, null, null, 1234L, 0, "0002");
        ProtocolMessage out = ProtocolMessage.messages("room", "c1:5", "c1", 1234L, "0002", List.of(text, binary));
        DecodeResult back = decode(codec, codec.encodeToBytes(out));
        assertTrue(back.isOk(), () -> String.valueOf(back.error()));
        ProtocolMessage in = back.message();
        assertEquals(Action.MESSAGE, in.action());
        assertEquals("room", in.channel());
        assertEquals("c1:5", in.id());
        assertEquals("c1", in.connectionId());
        assertEquals(1234L, in.timestamp());
        assertEquals("0002", in.channelSerial());
        Message t = in.messages().get(0);
        assertEquals("c1:5:0", t.id());
        assertEquals("alice", t.clientId());
        assertEquals("hello", t.data());
        assertNull(t.encoding());
        assertEquals(1, t.extras().path("x").asInt());
        Message b = in.messages().get(1);
        if (format == WireFormat.JSON) {
            // JSON cannot carry binary: base64 text with a base64 encoding step
            assertEquals("AQID", b.data());
            assertEquals("base64", b.encoding());
        } else {
            assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) b.data());
            assertNull(b.encoding());
        }
    }

    @Test
    void jsonAppendsBase64ToAnExistingEncoding() throws Exception {
        Message m = new Message(null, null, null, null, null, "hi".getBytes(StandardCharsets.UTF_8), "utf-8/cipher+aes-128-cbc",
                null, null, null, null);
        JsonNode msg = encodeToTree(JSON_CODEC, publishFrame(m)).path("messages").get(0);
        assertEquals("aGk=", msg.path("data").asText());
        assertEquals("utf-8/cipher+aes-128-cbc/base64", msg.path("encoding").asText());
    }

    @Test
    void msgpackKeepsBinaryAsBin() throws Exception {
        Message m = new Message(null, null, null, null, null, new byte[] {7, 8}, "cipher", null, null, null, null);
        JsonNode msg = encodeToTree(MSGPACK_CODEC, publishFrame(m)).path("messages").get(0);
        assertTrue(msg.path("data").isBinary(), msg.toString());
        assertArrayEquals(new byte[] {7, 8}, msg.path("data").binaryValue());
        assertEquals("cipher", msg.path("encoding").asText());
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void connectedCarriesDetailsAndOmitsAbsentFields(WireFormat format) throws Exception {
        ProtocolMessage connected = ProtocolMessage.connected("conn1",
                new ConnectionDetails(null, "key!conn1", 65536, 524288, 250, 15000, 120000, "hubbub-1"), null, 99L);
        JsonNode tree = encodeToTree(ProtocolCodec.of(format), connected);
        assertEquals(4, tree.path("action").asInt());
        assertEquals("conn1", tree.path("connectionId").asText());
        assertFalse(tree.has("channel"), "connection-level frames carry no channel field at all");
        assertFalse(tree.has("error"));
        assertFalse(tree.has("msgSerial"));
        JsonNode d = tree.path("connectionDetails");
        assertFalse(d.has("clientId"), "an anonymous connection's clientId is omitted, not null");
        assertEquals("key!conn1", d.path("connectionKey").asText());
        assertEquals(65536, d.path("maxMessageSize").asInt());
        assertEquals(524288, d.path("maxFrameSize").asInt());
        assertEquals(15000, d.path("maxIdleInterval").asInt());
        assertEquals(120000, d.path("connectionStateTtl").asInt());
        tree.fields().forEachRemaining(e -> assertFalse(e.getValue().isNull(), "null field " + e.getKey()));
    }

    @Test
    void ackAndNackCarryMsgSerialCountAndError() throws Exception {
        JsonNode ack = encodeToTree(JSON_CODEC, ProtocolMessage.ack(3, 1, List.of(new PublishResult(List.of("s1")))));
        assertEquals(1, ack.path("action").asInt());
        assertEquals(3, ack.path("msgSerial").asLong());
        assertEquals(1, ack.path("count").asInt());
        assertEquals("s1", ack.path("res").get(0).path("serials").get(0).asText());

        JsonNode nack = encodeToTree(JSON_CODEC, ProtocolMessage.nack(4, 1, ErrorCode.INVALID_CLIENT_ID.info("nope")));
        assertEquals(2, nack.path("action").asInt());
        assertEquals(4, nack.path("msgSerial").asLong());
        assertEquals(1, nack.path("count").asInt());
        assertEquals("nope", nack.path("error").path("message").asText());
        assertEquals(40012, nack.path("error").path("code").asInt());
        assertEquals(400, nack.path("error").path("statusCode").asInt());
    }

    @Test
    void heartbeatEncodesAsJustTheAction() {
        assertEquals("{\"action\":0}", new String(JSON_CODEC.encodeToBytes(ProtocolMessage.heartbeat(null)), StandardCharsets.UTF_8));
    }

    // ---- bad input: errors, never exceptions

    @Test
    void wrongFieldTypeKeepsMsgSerialAndChannelSoTheFrameCanBeNacked() {
        DecodeResult r = decodeJson("{\"action\":15,\"channel\":\"room\",\"msgSerial\":12,\"messages\":\"not an array\"}");
        assertFalse(r.isOk());
        assertEquals(12L, r.msgSerial());
        assertEquals("room", r.channel());
        assertEquals(400, r.error().statusCode());
        assertNotNull(r.error().message());
    }

    @Test
    void numericClientIdIsA40012() {
        DecodeResult r = decodeJson("{\"action\":15,\"channel\":\"room\",\"msgSerial\":1,\"messages\":[{\"clientId\":42}]}");
        assertFalse(r.isOk());
        assertEquals(40012, r.error().code());
        assertEquals(1L, r.msgSerial());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"action\":\"ten\",\"channel\":\"c\"}",
            "{\"action\":10,\"channel\":5}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":\"1\",\"messages\":[]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"data\":true}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[{\"extras\":\"x\"}]}",
            "{\"action\":15,\"channel\":\"c\",\"msgSerial\":1,\"messages\":[\"x\"]}",
            "{\"action\":10,\"channel\":\"c\",\"flags\":1.5}",
            "{\"action\":10,\"channel\":\"c\",\"params\":[1]}",
            "{\"action\":17,\"auth\":\"tok\"}"})
    void wrongFieldTypesAreErrors(String json) {
        DecodeResult r = decodeJson(json);
        assertFalse(r.isOk(), json);
        assertNotNull(r.error().message());
        assertTrue(r.error().code() >= 40000 && r.error().code() < 90000, r.error().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{not json", "", "[1,2]", "\"text\"", "42", "null", "{\"channel\":\"c\"}", "{\"action\":99}",
            "{\"action\":-1}", "{\"action\":15,\"msgSerial\":1,\"messages\":[{\"data\":\"x\"}]"})
    void garbageJsonIsAnError(String garbage) {
        DecodeResult r = decodeJson(garbage);
        assertFalse(r.isOk(), garbage);
        assertNotNull(r.error());
        assertNotNull(r.error().message());
    }

    @Test
    void unknownActionIsAProtocolError() {
        DecodeResult r = decodeJson("{\"action\":99,\"channel\":\"c\"}");
        assertEquals(ErrorCode.PROTOCOL_ERROR.code(), r.error().code());
        assertEquals("c", r.channel());
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void randomBytesAreAnErrorNeverAnException(WireFormat format) {
        Random random = new Random(42);
        ProtocolCodec codec = ProtocolCodec.of(format);
        for (int i = 0; i < 500; i++) {
            byte[] garbage = new byte[random.nextInt(64)];
            random.nextBytes(garbage);
            DecodeResult r = decode(codec, garbage);
            if (!r.isOk()) {
                assertNotNull(r.error().message());
            }
        }
        assertFalse(decode(codec, new byte[] {(byte) 0xc1}).isOk()); // never-used msgpack byte, invalid JSON
        assertFalse(decode(codec, new byte[0]).isOk());
    }

    /**
     * A six-byte frame whose str32 / bin32 / array32 header claims about 2 GB: refused from the bytes
     * present, never by allocating what the header declares (the committed foundation codec used
     * Jackson's MessagePackParser, which allocated the declared length: OutOfMemoryError).
     */
    @ParameterizedTest
    @ValueSource(ints = {0xdb, 0xc6, 0xdd, 0xdf})
    void hugeDeclaredLengthsAreRefusedWithoutAllocating(int header) {
        byte[] frame = {(byte) header, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x61};
        long before = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        DecodeResult r = assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> decode(MSGPACK_CODEC, frame));
        assertFalse(r.isOk());
        assertEquals(400, r.error().statusCode());
        long after = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertTrue(after - before < 256L * 1024 * 1024, "decoding allocated " + (after - before) + " bytes");
    }

    @Test
    void truncatedMsgpackIsAnError() throws Exception {
        ObjectNode root = MSGPACK.createObjectNode().put("action", 15).put("channel", "c").put("msgSerial", 1);
        byte[] full = MSGPACK.writeValueAsBytes(root);
        byte[] truncated = java.util.Arrays.copyOf(full, full.length - 3);
        assertFalse(decode(MSGPACK_CODEC, truncated).isOk());
    }

    @Test
    void decodingDoesNotConsumeTheBuffer() {
        ByteBuf buf = Unpooled.copiedBuffer("{\"action\":0}", StandardCharsets.UTF_8);
        int readable = buf.readableBytes();
        JSON_CODEC.decode(buf);
        assertEquals(readable, buf.readableBytes());
        assertEquals(1, buf.refCnt());
        buf.release();
    }

    @Test
    void deeplyNestedExtrasAreRefusedAtDecodeSoAcceptedMessagesCanAlwaysBeEncoded() {
        String deep = "{\"a\":".repeat(40) + "1" + "}".repeat(40);
        String frame = "{\"action\":15,\"channel\":\"c\",\"msgSerial\":3,\"messages\":[{\"data\":\"x\",\"extras\":" + deep + "}]}";
        var result = ProtocolCodec.of(WireFormat.JSON).decode(io.netty.buffer.Unpooled.copiedBuffer(frame, java.nio.charset.StandardCharsets.UTF_8));
        org.junit.jupiter.api.Assertions.assertFalse(result.isOk());
        org.junit.jupiter.api.Assertions.assertEquals(40000, result.error().code());
        org.junit.jupiter.api.Assertions.assertEquals(3L, result.msgSerial());
        String shallow = "{\"headers\":{\"k\":\"v\"}}";
        String ok = "{\"action\":15,\"channel\":\"c\",\"msgSerial\":4,\"messages\":[{\"data\":\"x\",\"extras\":" + shallow + "}]}";
        org.junit.jupiter.api.Assertions.assertTrue(ProtocolCodec.of(WireFormat.JSON)
                .decode(io.netty.buffer.Unpooled.copiedBuffer(ok, java.nio.charset.StandardCharsets.UTF_8)).isOk());
    }

    @Test
    void messageArraysAreWrittenLikeFrameItemsInBothFormats() throws Exception {
        Message bin = new Message("c1:0:0", "alice", "c1", "secret-key", "n", new byte[] {1, 2, 3}, null, null, 5L, 0, "e:01");
        Message text = new Message("c1:0:1", null, "c1", null, null, "hi", "utf-8", null, 6L, 0, "e:02");
        JsonNode json = JSON.readTree(JSON_CODEC.encodeMessages(List.of(bin, text)));
        assertEquals(2, json.size());
        assertEquals("AQID", json.get(0).get("data").asText());
        assertEquals("base64", json.get(0).get("encoding").asText());
        assertEquals("e:01", json.get(0).get("serial").asText());
        assertTrue(json.get(0).path("connectionKey").isMissingNode(), "a publisher's connectionKey never goes out");
        assertTrue(json.get(1).path("name").isMissingNode(), "absent fields are left out, not null");
        JsonNode packed = MSGPACK.readTree(MSGPACK_CODEC.encodeMessages(List.of(bin, text)));
        assertArrayEquals(new byte[] {1, 2, 3}, packed.get(0).get("data").binaryValue());
        assertTrue(packed.get(0).path("encoding").isMissingNode());
        assertEquals("utf-8", packed.get(1).get("encoding").asText());
        assertEquals(0, JSON.readTree(JSON_CODEC.encodeMessages(List.of())).size());
        assertTrue(MSGPACK.readTree(MSGPACK_CODEC.encodeMessages(List.of())).isArray());
    }
}
