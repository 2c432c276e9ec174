package dev.hubbub.server.msgpack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The official ably-java 1.2.54 against the broker: one client with the SDK's default options
 * (useBinaryProtocol=true, so format=msgpack) and one with JSON, on shared channels. Whatever format
 * each side uses, the subscriber decodes exactly the value that was published.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AblyJavaMixedFormatTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private MsgpackServer server;
    private AblyRealtime binary;
    private AblyRealtime json;

    /** Which client publishes and which subscribes. */
    enum Direction {
        MSGPACK_TO_JSON, JSON_TO_MSGPACK, MSGPACK_TO_MSGPACK, JSON_TO_JSON
    }

    /** Payload kinds an application hands to ably-java's publish. */
    enum Payload {
        STRING("héllo wörld ✓"),
        BYTES(new byte[] {0, 1, 2, (byte) 0x80, (byte) 0xff}),
        JSON_OBJECT(JsonParser.parseString("{\"a\":1,\"nested\":{\"b\":[true,null,\"x\"]}}").getAsJsonObject()),
        JSON_ARRAY(JsonParser.parseString("[1,\"two\",{\"three\":3}]").getAsJsonArray()),
        EMPTY_BYTES(new byte[0]);

        final Object value;

        Payload(Object value) { this.value = value; }
    }

    @BeforeAll
    void start() throws Exception {
        server = MsgpackServer.start();
        assertTrue(new ClientOptions().useBinaryProtocol, "ably-java defaults to the binary protocol");
        binary = new AblyRealtime(server.options(null)); // the SDK's defaults
        json = new AblyRealtime(server.options(false));
        await().atMost(WAIT).until(() -> binary.connection.state == ConnectionState.connected
                && json.connection.state == ConnectionState.connected);
    }

    @AfterAll
    void stop() {
        if (binary != null) {
            binary.close();
        }
        if (json != null) {
            json.close();
        }
        server.close();
    }

    /** Attaches, subscribes, and collects received messages by name. */
    private static Map<String, Message> subscribe(Channel channel) throws AblyException {
        Map<String, Message> received = new ConcurrentHashMap<>();
        channel.subscribe(m -> received.put(m.name, m));
        await().atMost(WAIT).until(() -> channel.state == ChannelState.attached);
        return received;
    }

    private static AtomicReference<Object> publish(Channel channel, String name, Object data) throws AblyException {
        AtomicReference<Object> outcome = new AtomicReference<>();
        channel.publish(name, data, new CompletionListener() {
            @Override
            public void onSuccess() { outcome.set("ok"); }

            @Override
            public void onError(ErrorInfo reason) { outcome.set(reason); }
        });
        return outcome;
    }

    private static void assertSameValue(Object published, Object received) {
        if (published instanceof byte[] bytes) {
            assertArrayEquals(bytes, assertInstanceOf(byte[].class, received));
        } else {
            assertEquals(published, received);
        }
    }

    @Test
    void defaultOptionsConnectPublishAndSubscribe() throws Exception {
        Channel channel = binary.channels.get(MsgpackServer.channel("default"));
        Map<String, Message> received = subscribe(channel);
        AtomicReference<Object> ack = publish(channel, "greeting", "hello");
        await().atMost(WAIT).until(() -> ack.get() != null && received.containsKey("greeting"));
        assertEquals("ok", ack.get());
        Message m = received.get("greeting");
        assertEquals("hello", m.data);
        assertNull(m.encoding);
        assertEquals(binary.connection.id, m.connectionId);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Direction.class)
    void everyKindOfDataArrivesAsPublished(Direction direction) throws Exception {
        String name = MsgpackServer.channel(direction.name().toLowerCase());
        AblyRealtime publisher = direction.name().startsWith("MSGPACK") ? binary : json;
        AblyRealtime subscriber = direction.name().endsWith("MSGPACK") ? binary : json;
        Map<String, Message> received = subscribe(subscriber.channels.get(name));
        Channel out = publisher.channels.get(name);
        for (Payload p : Payload.values()) {
            AtomicReference<Object> ack = publish(out, p.name(), p.value);
            await().atMost(WAIT).until(() -> ack.get() != null);
            assertEquals("ok", ack.get(), p.name());
        }
        await().atMost(WAIT).until(() -> received.size() == Payload.values().length);
        for (Payload p : Payload.values()) {
            Message m = received.get(p.name());
            assertSameValue(p.value, m.data);
            assertNull(m.encoding, () -> p + " left encoding " + m.encoding);
        }
        assertInstanceOf(JsonObject.class, received.get(Payload.JSON_OBJECT.name()).data);
        assertInstanceOf(JsonArray.class, received.get(Payload.JSON_ARRAY.name()).data);
    }

    @Test
    void restPublishInMsgpackReachesAJsonSubscriberAndTheReverse() throws Exception {
        String name = MsgpackServer.channel("rest");
        Map<String, Message> atJson = subscribe(json.channels.get(name));
        Map<String, Message> atBinary = subscribe(binary.channels.get(name));
        byte[] bytes = {7, 0, (byte) 0xee};
        AblyRest restBinary = new AblyRest(server.options(null));
        AblyRest restJson = new AblyRest(server.options(false));
        restBinary.channels.get(name).publish("from-msgpack-rest", bytes);
        restJson.channels.get(name).publish("from-json-rest", bytes);
        restBinary.channels.get(name).publish("object", Payload.JSON_OBJECT.value);
        await().atMost(WAIT).until(() -> atJson.size() == 3 && atBinary.size() == 3);
        for (Map<String, Message> received : java.util.List.of(atJson, atBinary)) {
            assertArrayEquals(bytes, (byte[]) received.get("from-msgpack-rest").data);
            assertArrayEquals(bytes, (byte[]) received.get("from-json-rest").data);
            assertEquals(Payload.JSON_OBJECT.value, received.get("object").data);
        }
    }

    /** Errors are JSON (Content-Type exactly application/json) even to a msgpack client, which reads them. */
    @Test
    void restErrorsReachABinaryClient() throws Exception {
        AblyRest restBinary = new AblyRest(server.options(null));
        AblyException tooBig = assertThrows(AblyException.class,
                () -> restBinary.channels.get(MsgpackServer.channel("big")).publish("big", new byte[MsgpackServer.MAX_MESSAGE_SIZE + 1]));
        assertEquals(40009, tooBig.errorInfo.code);
        assertEquals(413, tooBig.errorInfo.statusCode);
        // every field counts: the name, and the id (set here, as the SDK would set one of its own for an idempotent publish)
        Message fits = new Message("fits", new byte[MsgpackServer.MAX_MESSAGE_SIZE - "fits".length() - "fits-id".length()]);
        fits.id = "fits-id";
        restBinary.channels.get(MsgpackServer.channel("big")).publish(new Message[] {fits});
    }

    /** The same limit for the SDK in both protocols: binary is counted in bytes, not base64 characters. */
    @ParameterizedTest
    @EnumSource(value = Direction.class, names = {"MSGPACK_TO_MSGPACK", "JSON_TO_JSON"})
    void realtimeSizeLimitCountsBytesInBothProtocols(Direction direction) throws Exception {
        AblyRealtime client = direction == Direction.MSGPACK_TO_MSGPACK ? binary : json;
        Channel channel = client.channels.get(MsgpackServer.channel("limit"));
        AtomicReference<Object> fits = publish(channel, null, new byte[MsgpackServer.MAX_MESSAGE_SIZE]);
        AtomicReference<Object> over = publish(channel, null, new byte[MsgpackServer.MAX_MESSAGE_SIZE + 1]);
        await().atMost(WAIT).until(() -> fits.get() != null && over.get() != null);
        assertEquals("ok", fits.get());
        ErrorInfo error = assertInstanceOf(ErrorInfo.class, over.get());
        assertEquals(40009, error.code);
    }
}
