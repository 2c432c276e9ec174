package dev.hubbub.transport.codec.msgpack;

import static dev.hubbub.transport.codec.msgpack.Frames.JSON;
import static dev.hubbub.transport.codec.msgpack.Frames.MSGPACK;
import static dev.hubbub.transport.codec.msgpack.Frames.decode;
import static dev.hubbub.transport.codec.msgpack.Frames.encodeToTree;
import static dev.hubbub.transport.codec.msgpack.Frames.msgpack;
import static dev.hubbub.transport.codec.msgpack.Frames.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.transport.codec.DecodeResult;
import dev.hubbub.transport.codec.ProtocolCodec;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Data and encoding as they cross formats: published in one, delivered in the other. Binary
 * becomes base64 (with a base64 step appended) for JSON and bin for MessagePack; strings and
 * JSON-encoded payloads pass untouched; other encoding steps are kept in front.
 */
class CrossFormatDataTest {
    private static final byte[] BYTES = {0, 1, 2, (byte) 0xfe, (byte) 0xff};
    private static final String BYTES_B64 = Base64.getEncoder().encodeToString(BYTES);

    /** A msgpack publish of one message with the given data (bin or str) and encoding. */
    private static Message fromMsgpack(Object data, String encoding) {
        DecodeResult r = decode(MSGPACK, msgpack(p -> {
            p.packMapHeader(4).packString("action").packInt(15).packString("channel").packString("c");
            p.packString("msgSerial").packLong(0);
            p.packString("messages").packArrayHeader(1).packMapHeader(encoding == null ? 1 : 2);
            p.packString("data");
            if (data instanceof byte[] b) {
                p.packBinaryHeader(b.length).writePayload(b);
            } else {
                p.packString((String) data);
            }
            if (encoding != null) {
                p.packString("encoding").packString(encoding);
            }
        }));
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
        return r.message().messages().get(0);
    }

    /** A JSON publish of one message; {@code dataJson} is the data field's JSON text. */
    private static Message fromJson(String dataJson, String encoding) {
        String json = "{\"action\":15,\"channel\":\"c\",\"msgSerial\":0,\"messages\":[{\"data\":" + dataJson
                + (encoding == null ? "" : ",\"encoding\":\"" + encoding + "\"") + "}]}";
        DecodeResult r = decode(JSON, utf8(json));
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
        return r.message().messages().get(0);
    }

    /** What a subscriber in {@code codec}'s format receives for {@code m}. */
    private static JsonNode delivered(ProtocolCodec codec, Message m) {
        Message stamped = m.stamped("p:0:0", "p", 1L, "s1");
        return encodeToTree(codec, ProtocolMessage.messages("c", "p:0", "p", 1L, "s1", List.of(stamped))).path("messages").get(0);
    }

    @Test
    void binaryFromMsgpackReachesJsonAsBase64WithTheStepAppended() throws Exception {
        JsonNode plain = delivered(JSON, fromMsgpack(BYTES, null));
        assertEquals(BYTES_B64, plain.path("data").textValue());
        assertEquals("base64", plain.path("encoding").textValue());

        JsonNode cipher = delivered(JSON, fromMsgpack(BYTES, "utf-8/cipher+aes-128-cbc"));
        assertEquals(BYTES_B64, cipher.path("data").textValue());
        assertEquals("utf-8/cipher+aes-128-cbc/base64", cipher.path("encoding").textValue());

        JsonNode toMsgpack = delivered(MSGPACK, fromMsgpack(BYTES, "utf-8/cipher+aes-128-cbc"));
        assertTrue(toMsgpack.path("data").isBinary());
        assertArrayEquals(BYTES, toMsgpack.path("data").binaryValue());
        assertEquals("utf-8/cipher+aes-128-cbc", toMsgpack.path("encoding").textValue());
    }

    @Test
    void binaryFromJsonReachesMsgpackAsBinWithTheLastBase64StepRemoved() throws Exception {
        JsonNode plain = delivered(MSGPACK, fromJson("\"" + BYTES_B64 + "\"", "base64"));
        assertTrue(plain.path("data").isBinary(), plain.toString());
        assertArrayEquals(BYTES, plain.path("data").binaryValue());
        assertFalse(plain.has("encoding"), "a lone base64 step leaves no encoding: " + plain);

        JsonNode cipher = delivered(MSGPACK, fromJson("\"" + BYTES_B64 + "\"", "utf-8/cipher+aes-128-cbc/base64"));
        assertArrayEquals(BYTES, cipher.path("data").binaryValue());
        assertEquals("utf-8/cipher+aes-128-cbc", cipher.path("encoding").textValue());

        // and JSON subscribers get exactly what was published
        JsonNode json = delivered(JSON, fromJson("\"" + BYTES_B64 + "\"", "utf-8/cipher+aes-128-cbc/base64"));
        assertEquals(BYTES_B64, json.path("data").textValue());
        assertEquals("utf-8/cipher+aes-128-cbc/base64", json.path("encoding").textValue());
    }

    @Test
    void textThatIsNotBase64OrAStepThatIsNotBase64PassesThrough() {
        JsonNode invalid = delivered(MSGPACK, fromJson("\"not base64!\"", "base64"));
        assertEquals("not base64!", invalid.path("data").textValue());
        assertEquals("base64", invalid.path("encoding").textValue());

        JsonNode notAStep = delivered(MSGPACK, fromJson("\"AQID\"", "mybase64"));
        assertEquals("AQID", notAStep.path("data").textValue());
        assertEquals("mybase64", notAStep.path("encoding").textValue());
    }

    @Test
    void stringsStayStringsBothWays() {
        for (ProtocolCodec to : List.of(JSON, MSGPACK)) {
            JsonNode a = delivered(to, fromMsgpack("héllo", null));
            assertTrue(a.path("data").isTextual(), a.toString());
            assertEquals("héllo", a.path("data").textValue());
            assertFalse(a.has("encoding"));
            JsonNode b = delivered(to, fromJson("\"héllo\"", null));
            assertEquals("héllo", b.path("data").textValue());
            assertFalse(b.has("encoding"));
        }
    }

    @Test
    void jsonEncodedDataPassesUntouched() {
        String obj = "{\"a\":[1,2],\"b\":\"x\"}";
        for (ProtocolCodec to : List.of(JSON, MSGPACK)) {
            JsonNode fromMp = delivered(to, fromMsgpack(obj, "json"));
            assertEquals(obj, fromMp.path("data").textValue());
            assertEquals("json", fromMp.path("encoding").textValue());
            JsonNode fromJs = delivered(to, fromJson("\"" + obj.replace("\"", "\\\"") + "\"", "json"));
            assertEquals(obj, fromJs.path("data").textValue());
            assertEquals("json", fromJs.path("encoding").textValue());
            // a REST-style raw object is stringified once, with a json step
            JsonNode raw = delivered(to, fromJson(obj, null));
            assertEquals(obj, raw.path("data").textValue());
            assertEquals("json", raw.path("encoding").textValue());
        }
    }

    @Test
    void presenceDataFollowsTheSameRules() throws Exception {
        PresenceMessage p = new PresenceMessage("c1:0:0", dev.hubbub.core.protocol.PresenceAction.ENTER, "alice", "c1",
                BYTES_B64, "utf-8/base64", null, 1L);
        ProtocolMessage frame = ProtocolMessage.presence(Action.PRESENCE, "c", "c1:0", "c1", 1L, null, List.of(p));
        JsonNode toMsgpack = encodeToTree(MSGPACK, frame).path("presence").get(0);
        assertArrayEquals(BYTES, toMsgpack.path("data").binaryValue());
        assertEquals("utf-8", toMsgpack.path("encoding").textValue());
        JsonNode toJson = encodeToTree(JSON, frame).path("presence").get(0);
        assertEquals(BYTES_B64, toJson.path("data").textValue());
        assertEquals("utf-8/base64", toJson.path("encoding").textValue());
    }

    @Test
    void sizeCountsDecodedBytesInBothFormats() {
        for (int n : new int[] {0, 1, 2, 3, 65535, 65536, 65537}) {
            byte[] payload = new byte[n];
            new java.util.Random(n).nextBytes(payload);
            String b64 = Base64.getEncoder().encodeToString(payload);
            String unpadded = Base64.getEncoder().withoutPadding().encodeToString(payload);
            assertEquals(n, fromMsgpack(payload, null).size(), "bin " + n);
            assertEquals(n, fromJson("\"" + b64 + "\"", "base64").size(), "base64 " + n);
            assertEquals(n + "utf-8".length(), fromJson("\"" + unpadded + "\"", "utf-8/base64").size(),
                    "unpadded base64 " + n + " (the encoding counts, less the base64 step JSON adds)");
            assertEquals(n, new PresenceMessage(null, dev.hubbub.core.protocol.PresenceAction.ENTER, null, null, b64, "base64",
                    null, null).size(), "presence base64 " + n);
        }
        // text that is not base64 counts as the text it is, with its whole encoding
        assertEquals(11 + 6, fromJson("\"not base64!\"", "base64").size());
        assertEquals(3 + 6, fromJson("\"QQ=\"", "base64").size(), "bad padding is not base64");
        assertEquals(4, fromJson("\"AQID\"", null).size(), "no base64 step: a string");
    }
}
