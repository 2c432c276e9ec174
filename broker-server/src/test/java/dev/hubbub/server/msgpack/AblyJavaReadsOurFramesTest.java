package dev.hubbub.server.msgpack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ConnectionDetails;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.ably.lib.types.MessageAction;
import io.ably.lib.types.ProtocolSerializer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every kind of frame the broker sends, encoded by the broker's codec and read back by ably-java
 * 1.2.54's own readers (ProtocolSerializer.readMsgpack / fromJSON), which read each field with a
 * fixed type (unpackInt, unpackLong, unpackString) and fail the frame on a mismatch. Values are
 * chosen so a wrong type would show: int64 timestamps and serials, flags above 2^16, and so on.
 */
class AblyJavaReadsOurFramesTest {
    private static final long TIMESTAMP = 1_765_432_109_876L;
    private static final long BIG_SERIAL = 5_000_000_000L;

    private static io.ably.lib.types.ProtocolMessage roundTrip(WireFormat format, ProtocolMessage m) throws Exception {
        byte[] bytes = ProtocolCodec.of(format).encodeToBytes(m);
        return format == WireFormat.MSGPACK
                ? ProtocolSerializer.readMsgpack(bytes)
                : ProtocolSerializer.fromJSON(new String(bytes, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void connected(WireFormat format) throws Exception {
        var m = roundTrip(format, ProtocolMessage.connected("conn-1",
                new ConnectionDetails("alice", "key!conn-1", 65536, 524288, 250, 15000, 120000, "hubbub-1"),
                ErrorCode.CONNECTION_NOT_RECOVERED.info("lost"), TIMESTAMP));
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.connected, m.action);
        assertEquals("conn-1", m.connectionId);
        assertEquals(TIMESTAMP, m.timestamp);
        assertEquals("alice", m.connectionDetails.clientId);
        assertEquals("key!conn-1", m.connectionDetails.connectionKey);
        assertEquals(65536, m.connectionDetails.maxMessageSize);
        assertEquals(524288L, m.connectionDetails.maxFrameSize);
        assertEquals(250L, m.connectionDetails.maxInboundRate);
        assertEquals(15000L, m.connectionDetails.maxIdleInterval);
        assertEquals(120000L, m.connectionDetails.connectionStateTtl);
        assertEquals("hubbub-1", m.connectionDetails.serverId);
        assertEquals(80008, m.error.code);
        assertEquals(400, m.error.statusCode);
        assertEquals("lost", m.error.message);
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void ackNackAndErrors(WireFormat format) throws Exception {
        var ack = roundTrip(format, ProtocolMessage.ack(BIG_SERIAL, 1, List.of(new PublishResult(Arrays.asList("s1", null)))));
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.ack, ack.action);
        assertEquals(BIG_SERIAL, ack.msgSerial);
        assertEquals(1, ack.count);

        var nack = roundTrip(format, ProtocolMessage.nack(3, 1, ErrorCode.MESSAGE_TOO_LARGE.info("too big")));
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.nack, nack.action);
        assertEquals(3L, nack.msgSerial);
        assertEquals(40009, nack.error.code);
        assertEquals(413, nack.error.statusCode);

        var channelError = roundTrip(format, ProtocolMessage.channelError("room", ErrorCode.CAPABILITY_DENIED.info("no")));
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.error, channelError.action);
        assertEquals("room", channelError.channel);
        assertEquals(40160, channelError.error.code);

        var heartbeat = roundTrip(format, ProtocolMessage.heartbeat("ping-1"));
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.heartbeat, heartbeat.action);
        assertEquals("ping-1", heartbeat.id);
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.closed, roundTrip(format, ProtocolMessage.closed()).action);
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.auth, roundTrip(format, ProtocolMessage.of(Action.AUTH)).action);
        var disconnected = roundTrip(format, ProtocolMessage.disconnected(ErrorCode.TOKEN_EXPIRED.info("expired")));
        assertEquals(40142, disconnected.error.code);
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void attachedWithModeFlagsAndParams(WireFormat format) throws Exception {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("rewind", "1");
        params.put("delta", "vcdiff");
        ProtocolMessage attached = new ProtocolMessage(Action.ATTACHED, null, "room", "serial-0", null, null, null, null,
                983041, null, null, null, null, null, params, null);
        var m = roundTrip(format, attached);
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.attached, m.action);
        assertEquals(983041, m.flags);
        assertEquals("serial-0", m.channelSerial);
        assertEquals(params, m.params);
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.detached,
                roundTrip(format, ProtocolMessage.detached("room", ErrorCode.CHANNEL_NOT_ATTACHED.info("gone"))).action);
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void messagesWithEveryKindOfDataAndTheFieldsV2ClientsDoNotKnowTheyGet(WireFormat format) throws Exception {
        ObjectNode extras = JsonNodeFactory.instance.objectNode();
        extras.putObject("headers").put("k", "v").put("n", 1);
        extras.putObject("delta").put("format", "vcdiff").put("from", "id-0");
        List<Message> messages = List.of(
                new Message("c1:7:0", "alice", "c1", null, "text", "héllo", null, extras, TIMESTAMP, 0, "s-0"),
                new Message("c1:7:1", "alice", "c1", null, "bin", new byte[] {0, (byte) 0xff}, "x-custom", null,
                        TIMESTAMP, 0, "s-1"),
                new Message("c1:7:2", null, "c1", null, "obj", "{\"a\":1}", "json", null, TIMESTAMP, 5, "s-2"),
                new Message("c1:7:3", null, "c1", null, "from-json-client", "AP8=", "base64", null, TIMESTAMP, 0, "s-3"));
        var m = roundTrip(format, ProtocolMessage.messages("room", "c1:7", "c1", TIMESTAMP, "s-3", messages));
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.message, m.action);
        assertEquals(4, m.messages.length);
        var text = m.messages[0];
        assertEquals("héllo", text.data);
        assertEquals("alice", text.clientId);
        assertEquals(TIMESTAMP, text.timestamp);
        assertEquals("s-0", text.serial);
        assertEquals(MessageAction.MESSAGE_CREATE, text.action);
        assertEquals("v", text.extras.asJsonObject().getAsJsonObject("headers").get("k").getAsString());
        assertEquals("id-0", text.extras.getDelta().getFrom());

        var bin = m.messages[1];
        bin.decode(null); // undoes the base64 step added for JSON; a step it does not know stays in front
        assertArrayEquals(new byte[] {0, (byte) 0xff}, (byte[]) bin.data);
        assertEquals("x-custom", bin.encoding);

        var obj = m.messages[2];
        assertNull(obj.action, "an action this SDK does not know is read as null, not an error");
        obj.decode(null);
        assertEquals(1, ((com.google.gson.JsonObject) obj.data).get("a").getAsInt());

        var fromJson = m.messages[3];
        if (format == WireFormat.MSGPACK) {
            assertArrayEquals(new byte[] {0, (byte) 0xff}, (byte[]) fromJson.data, "base64 from a JSON client arrives as bin");
            assertNull(fromJson.encoding);
        }
        fromJson.decode(null);
        assertArrayEquals(new byte[] {0, (byte) 0xff}, (byte[]) fromJson.data);
        assertNull(fromJson.encoding);
    }

    @ParameterizedTest
    @EnumSource(WireFormat.class)
    void presenceAndSync(WireFormat format) throws Exception {
        List<PresenceMessage> members = List.of(
                new PresenceMessage("c1:2:0", PresenceAction.ENTER, "alice", "c1", "here", null, null, TIMESTAMP),
                new PresenceMessage("c1:2:1", PresenceAction.UPDATE, "bob", "c1", new byte[] {4}, null, null, TIMESTAMP),
                new PresenceMessage("synth:leave", PresenceAction.LEAVE, "carol", "c2", null, null, null, TIMESTAMP));
        var presence = roundTrip(format, ProtocolMessage.presence(Action.PRESENCE, "room", "c1:2", "c1", TIMESTAMP, "s", members));
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.presence, presence.action);
        assertEquals(io.ably.lib.types.PresenceMessage.Action.enter, presence.presence[0].action);
        assertEquals(io.ably.lib.types.PresenceMessage.Action.update, presence.presence[1].action);
        assertEquals(io.ably.lib.types.PresenceMessage.Action.leave, presence.presence[2].action);
        assertEquals("alice", presence.presence[0].clientId);
        assertEquals(TIMESTAMP, presence.presence[0].timestamp);
        presence.presence[1].decode(null);
        assertArrayEquals(new byte[] {4}, (byte[]) presence.presence[1].data);

        var sync = roundTrip(format, ProtocolMessage.presence(Action.SYNC, "room", null, null, null, "sync-1:",
                List.of(new PresenceMessage("c1:2:0", PresenceAction.PRESENT, "alice", "c1", "here", null, null, TIMESTAMP))));
        assertEquals(io.ably.lib.types.ProtocolMessage.Action.sync, sync.action);
        assertEquals(io.ably.lib.types.PresenceMessage.Action.present, sync.presence[0].action);
        assertEquals("sync-1:", sync.channelSerial);
    }
}
