package dev.hubbub.server.msgpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.testkit.RawWebSocket;
import io.ably.lib.types.ProtocolMessage;
import io.ably.lib.types.ProtocolSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

/**
 * Raw MessagePack over a real WebSocket: frames built byte by byte with msgpack-core's packer.
 * Malformed ones are answered with ERROR or NACK (40000, msgSerial kept when readable) in binary
 * frames that ably-java can read, and the connection stays usable.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RawMsgpackWebSocketTest {
    private static final int ERROR = 9;
    private static final int NACK = 2;
    private static final int ACK = 1;
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

    private RawWebSocket connect(String format) {
        RawWebSocket ws = RawWebSocket.open(server.realtime("key=" + URLEncoder.encode(MsgpackServer.KEY, StandardCharsets.UTF_8)
                + "&format=" + format + "&v=2&heartbeats=false"), MsgpackServer.FRAMES);
        RawWebSocket.Frame connected = ws.nextAction(4);
        assertEquals(format.equals("msgpack"), connected.binary(), "msgpack in binary frames, JSON in text frames");
        return ws;
    }

    private static ProtocolMessage asAblyJavaReadsIt(RawWebSocket.Frame f) throws Exception {
        assertTrue(f.binary());
        return ProtocolSerializer.readMsgpack(f.bytes());
    }

    private static byte[] publish(String channel, long msgSerial, Packing data) {
        return msgpack(p -> {
            p.packMapHeader(4).packString("action").packInt(15).packString("channel").packString(channel);
            p.packString("msgSerial").packLong(msgSerial);
            p.packString("messages").packArrayHeader(1).packMapHeader(1).packString("data");
            data.pack(p);
        });
    }

    @Test
    void connectedIsReadByAblyJavasMsgpackReader() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(server.realtime("key=" + URLEncoder.encode(MsgpackServer.KEY, StandardCharsets.UTF_8)
                + "&format=msgpack&v=2"), MsgpackServer.FRAMES)) {
            ProtocolMessage connected = asAblyJavaReadsIt(ws.nextAction(4));
            assertEquals(ProtocolMessage.Action.connected, connected.action);
            assertNotNull(connected.connectionId);
            assertNotNull(connected.connectionDetails.connectionKey);
            assertEquals(MsgpackServer.MAX_MESSAGE_SIZE, connected.connectionDetails.maxMessageSize);
            assertEquals(15000L, connected.connectionDetails.maxIdleInterval);
            assertEquals(120000L, connected.connectionDetails.connectionStateTtl);
        }
    }

    @Test
    void malformedFramesAreAnsweredAndTheConnectionStaysUsable() throws Exception {
        String channel = MsgpackServer.channel("raw");
        try (RawWebSocket ws = connect("msgpack")) {
            // garbage: no msgSerial to NACK, so a connection-level ERROR
            ws.sendBinary(new byte[] {(byte) 0xc1, 0x00, 0x17});
            ProtocolMessage garbage = asAblyJavaReadsIt(ws.nextAction(ERROR));
            assertEquals(40000, garbage.error.code);
            assertEquals(400, garbage.error.statusCode);
            assertTrue(garbage.error.message.contains("Malformed MSGPACK"), garbage.error.message);

            // a publish cut short after its msgSerial: NACKed, so the client's queue stays in step
            byte[] full = publish(channel, 0, p -> p.packString("hello"));
            ws.sendBinary(Arrays.copyOf(full, full.length - 3));
            assertNack(ws, 0);

            // a map with a non-string key
            ws.sendBinary(msgpack(p -> {
                p.packMapHeader(4).packString("action").packInt(15).packString("channel").packString(channel);
                p.packString("msgSerial").packLong(1).packInt(7).packString("messages");
            }));
            assertNack(ws, 1);

            // a huge declared array length: refused before anything is allocated
            ws.sendBinary(msgpack(p -> {
                p.packMapHeader(4).packString("action").packInt(15).packString("channel").packString(channel);
                p.packString("msgSerial").packLong(2).packString("messages").packArrayHeader(Integer.MAX_VALUE);
            }));
            assertNack(ws, 2);

            // an extension type as data, and a huge declared bin
            ws.sendBinary(publish(channel, 3, p -> p.packExtensionTypeHeader((byte) 3, 2).writePayload(new byte[2])));
            assertNack(ws, 3);
            ws.sendBinary(publish(channel, 4, p -> p.packBinaryHeader(Integer.MAX_VALUE)));
            assertNack(ws, 4);

            // messages of the wrong type
            ws.sendBinary(msgpack(p -> {
                p.packMapHeader(4).packString("action").packInt(15).packString("channel").packString(channel);
                p.packString("msgSerial").packLong(5).packString("messages").packString("nope");
            }));
            assertNack(ws, 5);

            // action of the wrong type: nothing to NACK
            ws.sendBinary(msgpack(p -> p.packMapHeader(2).packString("action").packString("10").packString("channel").packString(channel)));
            assertEquals(40000, asAblyJavaReadsIt(ws.nextAction(ERROR)).error.code);

            // still usable: attach, publish binary, get the ACK and the message back as bin
            ws.sendBinary(msgpack(p -> p.packMapHeader(2).packString("action").packInt(10).packString("channel").packString(channel)));
            assertEquals(ProtocolMessage.Action.attached, asAblyJavaReadsIt(ws.nextAction(11)).action);
            ws.sendBinary(publish(channel, 6, p -> p.packBinaryHeader(3).writePayload(new byte[] {1, 2, 3})));
            // a connection's frames keep their order: the echo of the publish, then its ACK
            ProtocolMessage message = asAblyJavaReadsIt(ws.nextAction(15));
            assertArrayEquals(new byte[] {1, 2, 3}, (byte[]) message.messages[0].data);
            ProtocolMessage ack = asAblyJavaReadsIt(ws.nextAction(ACK));
            assertEquals(6L, ack.msgSerial);
            assertEquals(1, ack.count);
            assertTrue(ws.isOpen());
        }
    }

    private static void assertNack(RawWebSocket ws, long msgSerial) throws Exception {
        ProtocolMessage nack = asAblyJavaReadsIt(ws.nextAction(NACK));
        assertEquals(msgSerial, nack.msgSerial);
        assertEquals(1, nack.count);
        assertEquals(40000, nack.error.code, nack.error.message);
        assertEquals(400, nack.error.statusCode);
    }

    /** The size limit counts decoded bytes: a bin and its base64 text are the same size. */
    @Test
    void sizeLimitIsTheSameForBinInMsgpackAndBase64InJson() {
        int limit = MsgpackServer.MAX_MESSAGE_SIZE;
        byte[] atLimit = new byte[limit];
        new Random(1).nextBytes(atLimit);
        byte[] overLimit = Arrays.copyOf(atLimit, limit + 1);
        String channel = MsgpackServer.channel("size");
        try (RawWebSocket mp = connect("msgpack"); RawWebSocket json = connect("json")) {
            mp.sendBinary(publish(channel, 0, p -> p.packBinaryHeader(atLimit.length).writePayload(atLimit)));
            RawWebSocket.Frame ack = mp.next(f -> f.action() == ACK || f.action() == NACK);
            assertEquals(ACK, ack.action(), ack.tree().toString());
            mp.sendBinary(publish(channel, 1, p -> p.packBinaryHeader(overLimit.length).writePayload(overLimit)));
            RawWebSocket.Frame nack = mp.next(f -> f.action() == ACK || f.action() == NACK);
            assertEquals(NACK, nack.action());
            assertEquals(40009, nack.tree().path("error").path("code").asInt());

            json.sendText(jsonPublish(channel, 0, Base64.getEncoder().encodeToString(atLimit)));
            RawWebSocket.Frame jsonAck = json.next(f -> f.action() == ACK || f.action() == NACK);
            assertFalse(jsonAck.binary());
            assertEquals(ACK, jsonAck.action(), jsonAck.tree().toString());
            json.sendText(jsonPublish(channel, 1, Base64.getEncoder().encodeToString(overLimit)));
            RawWebSocket.Frame jsonNack = json.next(f -> f.action() == ACK || f.action() == NACK);
            assertEquals(NACK, jsonNack.action());
            assertEquals(40009, jsonNack.tree().path("error").path("code").asInt());
        }
    }

    private static String jsonPublish(String channel, long msgSerial, String base64) {
        return "{\"action\":15,\"channel\":\"" + channel + "\",\"msgSerial\":" + msgSerial
                + ",\"messages\":[{\"data\":\"" + base64 + "\",\"encoding\":\"base64\"}]}";
    }
}
