package dev.hubbub.server.msgpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.testkit.RawWebSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

/** POST /channels/{ch}/messages with MessagePack bodies, as ably-java and ably-js send them in binary mode. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestMsgpackTest {
    private static final String MSGPACK = "application/x-msgpack";
    private final HttpClient http = HttpClient.newHttpClient();
    private MsgpackServer server;

    @BeforeAll
    void start() throws InterruptedException { server = MsgpackServer.start(); }

    @AfterAll
    void stop() { server.close(); }

    interface Packing {
        void pack(MessagePacker p) throws IOException;
    }

    static byte[] msgpack(Packing packing) {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            packing.pack(p);
            p.flush();
            return p.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<byte[]> post(String channel, byte[] body, String accept, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.rest("/channels/" + URLEncoder.encode(channel, StandardCharsets.UTF_8)
                        + "/messages"))
                .header("Content-Type", MSGPACK)
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (accept != null) {
            b.header("Accept", accept);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void message(MessagePacker p, String name, byte[] data, String encoding) throws IOException {
        p.packMapHeader(encoding == null ? 2 : 3).packString("name").packString(name);
        p.packString("data").packBinaryHeader(data.length).writePayload(data);
        if (encoding != null) {
            p.packString("encoding").packString(encoding);
        }
    }

    @Test
    void singleMessageAndArrayAreAcceptedAndAnsweredInMsgpack() throws Exception {
        String channel = MsgpackServer.channel("rest");
        HttpResponse<byte[]> single = post(channel, msgpack(p -> message(p, "one", new byte[] {1}, null)),
                "application/x-msgpack,application/json", MsgpackServer.KEY);
        assertEquals(201, single.statusCode(), () -> new String(single.body(), StandardCharsets.UTF_8));
        assertEquals(MSGPACK, single.headers().firstValue("Content-Type").orElse(null));
        JsonNode body = MsgpackServer.MSGPACK.readTree(single.body());
        assertEquals(channel, body.path("channel").textValue());
        assertEquals(1, body.path("serials").size());

        HttpResponse<byte[]> array = post(channel, msgpack(p -> {
            p.packArrayHeader(2);
            message(p, "a", new byte[] {2}, null);
            message(p, "b", new byte[] {3}, null);
        }), MSGPACK, MsgpackServer.KEY);
        assertEquals(201, array.statusCode());
        assertEquals(2, MsgpackServer.MSGPACK.readTree(array.body()).path("serials").size());

        HttpResponse<byte[]> jsonAnswer = post(channel, msgpack(p -> message(p, "c", new byte[] {4}, null)), "application/json",
                MsgpackServer.KEY);
        assertEquals(201, jsonAnswer.statusCode());
        assertEquals("application/json", jsonAnswer.headers().firstValue("Content-Type").orElse(null));
        assertEquals(channel, RawWebSocket.JSON.readTree(jsonAnswer.body()).path("channel").textValue());
    }

    @Test
    void binaryFromAMsgpackRestPublishReachesAJsonSubscriberAsBase64() throws Exception {
        String channel = MsgpackServer.channel("rest-bin");
        byte[] bytes = {0, (byte) 0xfe, 42};
        try (RawWebSocket sub = RawWebSocket.open(server.realtime("key=" + URLEncoder.encode(MsgpackServer.KEY, StandardCharsets.UTF_8)
                + "&format=json"), MsgpackServer.FRAMES)) {
            sub.nextAction(4);
            sub.sendText("{\"action\":10,\"channel\":\"" + channel + "\"}");
            sub.nextAction(11);
            HttpResponse<byte[]> r = post(channel, msgpack(p -> {
                p.packArrayHeader(2);
                message(p, "plain", bytes, null);
                message(p, "cipher", bytes, "utf-8/cipher+aes-128-cbc");
            }), MSGPACK, MsgpackServer.KEY);
            assertEquals(201, r.statusCode());
            RawWebSocket.Frame frame = sub.nextAction(15);
            assertFalse(frame.binary(), "a JSON subscriber gets text frames");
            JsonNode plain = frame.tree().path("messages").get(0);
            assertEquals(Base64.getEncoder().encodeToString(bytes), plain.path("data").textValue());
            assertEquals("base64", plain.path("encoding").textValue());
            JsonNode cipher = frame.tree().path("messages").get(1);
            assertEquals(Base64.getEncoder().encodeToString(bytes), cipher.path("data").textValue());
            assertEquals("utf-8/cipher+aes-128-cbc/base64", cipher.path("encoding").textValue());
        }
    }

    /** Errors stay JSON with exactly application/json (ably-js needs that; ably-java parses JSON unless it says msgpack). */
    @Test
    void errorsAreJsonWhateverTheRequestFormat() throws Exception {
        String channel = MsgpackServer.channel("rest-err");
        byte[][] bad = {
                {(byte) 0xc1},
                msgpack(p -> p.packMapHeader(1).packString("data").packBinaryHeader(Integer.MAX_VALUE)),
                msgpack(p -> p.packArrayHeader(Integer.MAX_VALUE)),
                msgpack(p -> p.packMapHeader(1).packInt(1).packString("x")),
                msgpack(p -> p.packMapHeader(1).packString("data").packExtensionTypeHeader((byte) 1, 1).writePayload(new byte[1]))};
        for (byte[] body : bad) {
            HttpResponse<byte[]> r = post(channel, body, MSGPACK, MsgpackServer.KEY);
            assertEquals(400, r.statusCode());
            assertJsonError(r, 40001);
        }
        HttpResponse<byte[]> unauthorized = post(channel, msgpack(p -> message(p, "x", new byte[1], null)), MSGPACK,
                "mp.full:wrong-secret");
        assertEquals(401, unauthorized.statusCode());
        assertJsonError(unauthorized, unauthorized.headers().firstValue("X-Ably-ErrorCode").map(Integer::parseInt).orElse(-1));
        HttpResponse<byte[]> tooBig = post(channel, msgpack(p -> message(p, "x", new byte[MsgpackServer.MAX_MESSAGE_SIZE], null)),
                MSGPACK, MsgpackServer.KEY);
        assertEquals(413, tooBig.statusCode());
        assertJsonError(tooBig, 40009);
    }

    private static void assertJsonError(HttpResponse<byte[]> r, int code) throws IOException {
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(null));
        JsonNode error = RawWebSocket.JSON.readTree(r.body()).path("error");
        assertEquals(code, error.path("code").asInt(), error.toString());
        assertEquals(r.statusCode(), error.path("statusCode").asInt());
        assertTrue(error.path("message").isTextual());
        assertEquals(Integer.toString(code), r.headers().firstValue("X-Ably-ErrorCode").orElse(null));
    }
}
