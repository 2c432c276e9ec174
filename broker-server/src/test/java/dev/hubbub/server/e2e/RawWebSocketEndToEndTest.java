package dev.hubbub.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.testkit.RawWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end with a raw WebSocket client, for what the official SDKs guard locally (ably-js guards
 * nothing, so the broker is the only guard) and for bad input.
 */
class RawWebSocketEndToEndTest {
    private static TestServer server;
    private final List<RawWebSocket> clients = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception { server = TestServer.start(); }

    @AfterAll
    static void stopServer() { server.close(); }

    @AfterEach
    void closeClients() { clients.forEach(RawWebSocket::close); }

    private RawWebSocket open(String query) throws Exception {
        RawWebSocket c = RawWebSocket.open(server.realtime(query));
        clients.add(c);
        return c;
    }

    private static String keyParam(String key) { return "key=" + key.replace(":", "%3A"); }

    /** Opens a JSON connection and waits for CONNECTED. */
    private RawWebSocket connected(String key, String clientId) throws Exception {
        RawWebSocket c = open(keyParam(key) + (clientId == null ? "" : "&clientId=" + clientId) + "&format=json&v=6&heartbeats=true");
        JsonNode connected = c.awaitAction(4);
        assertFalse(connected.path("connectionId").asText().contains(":"));
        return c;
    }

    private static void attach(RawWebSocket c, String channel) {
        c.send("{\"action\":10,\"channel\":\"" + channel + "\"}");
        c.await("ATTACHED " + channel, f -> f.path("action").asInt() == 11 && channel.equals(f.path("channel").asText()));
    }

    private static String publish(String channel, long msgSerial, String messagesJson) {
        return "{\"action\":15,\"channel\":\"" + channel + "\",\"msgSerial\":" + msgSerial + ",\"messages\":" + messagesJson + "}";
    }

    private static void assertError(int code, int statusCode, JsonNode frame) {
        assertEquals(code, frame.path("error").path("code").asInt(), frame::toString);
        assertEquals(statusCode, frame.path("error").path("statusCode").asInt(), frame::toString);
        assertTrue(frame.path("error").path("message").isTextual(), frame::toString);
    }

    @Test
    void masqueradingIsNackedAndNeverDelivered() throws Exception {
        String channel = TestServer.uniqueChannel("masq");
        RawWebSocket subscriber = connected(TestServer.FULL_KEY, null);
        attach(subscriber, channel);
        RawWebSocket alice = connected(TestServer.FULL_KEY, "alice");
        assertEquals("alice", alice.frames().get(0).path("connectionDetails").path("clientId").asText());

        alice.send(publish(channel, 0, "[{\"name\":\"spoof\",\"data\":\"bad\",\"clientId\":\"mallory\"}]"));
        JsonNode nack = alice.awaitAck(2, 0);
        assertEquals(1, nack.path("count").asInt());
        assertError(40012, 400, nack);

        // a batch with one good and one bad message: all of it is refused
        alice.send(publish(channel, 1, "[{\"data\":\"bad-batch-good-part\"},{\"data\":\"bad-batch\",\"clientId\":\"bob\"}]"));
        assertError(40012, 400, alice.awaitAck(2, 1));

        // the connection is still usable; a good message is the marker
        alice.send(publish(channel, 2, "[{\"name\":\"ok\",\"data\":\"marker\"}]"));
        alice.awaitAck(1, 2);
        JsonNode delivered = subscriber.await("marker", f -> f.path("action").asInt() == 15
                && "marker".equals(f.path("messages").path(0).path("data").asText()));
        JsonNode marker = delivered.path("messages").get(0);
        assertEquals("alice", marker.path("clientId").asText());
        String aliceId = alice.frames().get(0).path("connectionId").asText();
        assertEquals(aliceId, marker.path("connectionId").asText());
        assertEquals(aliceId + ":2:0", marker.path("id").asText());
        assertTrue(marker.path("timestamp").asLong() > 0);

        // per-publisher order is kept, so anything from the rejected frames would have come first
        assertEquals(List.of("marker"), subscriber.deliveredData(channel));
    }

    @Test
    void wildcardMessageClientIdIsNacked() throws Exception {
        RawWebSocket anyone = connected(TestServer.FULL_KEY, null);
        assertEquals("*", anyone.frames().get(0).path("connectionDetails").path("clientId").asText());
        anyone.send(publish("c", 0, "[{\"data\":\"x\",\"clientId\":\"*\"}]"));
        assertError(40012, 400, anyone.awaitAck(2, 0));
        anyone.send(publish("c", 1, "[{\"data\":\"x\",\"clientId\":\"carol\"}]"));
        anyone.awaitAck(1, 1);
    }

    @Test
    void wrongSecretIsReportedInsideTheProtocolThenClosed() throws Exception {
        RawWebSocket c = open(keyParam("app1.full:wrong-secret") + "&format=json&v=2"); // the upgrade itself succeeds
        JsonNode error = c.awaitAction(9);
        assertFalse(error.has("channel"));
        assertError(40101, 401, error);
        c.awaitClosed();
        assertTrue(c.frames().stream().noneMatch(f -> f.path("action").asInt() == 4));
    }

    @Test
    void unknownKeyIsRefused() throws Exception {
        RawWebSocket c = open(keyParam("app1.nosuchkey:whatever") + "&format=json");
        int code = c.awaitAction(9).path("error").path("code").asInt();
        assertTrue(code == 40101 || code == 40400, "code " + code);
        c.awaitClosed();
    }

    @Test
    void wildcardClientIdParameterIsRefused() throws Exception {
        RawWebSocket c = open(keyParam(TestServer.FULL_KEY) + "&clientId=*&format=json");
        assertError(40012, 400, c.awaitAction(9));
        c.awaitClosed();
    }

    @Test
    void malformedJsonGetsAnErrorAndTheConnectionStaysUsable() throws Exception {
        RawWebSocket c = connected(TestServer.FULL_KEY, "alice");
        c.send("{\"action\":10, this is not json");
        JsonNode error = c.awaitAction(9);
        assertFalse(error.has("channel"));
        assertEquals(400, error.path("error").path("statusCode").asInt());
        c.send("{\"action\":0,\"id\":\"after-garbage\"}");
        c.awaitReply("after-garbage");
        attach(c, TestServer.uniqueChannel("after"));
        assertTrue(c.isOpen());
    }

    @Test
    void unknownActionGetsAnError() throws Exception {
        RawWebSocket c = connected(TestServer.FULL_KEY, "alice");
        c.send("{\"action\":42}");
        assertError(80013, 400, c.awaitAction(9));
        c.send("{\"action\":0,\"id\":\"still-alive\"}");
        c.awaitReply("still-alive");
    }

    @Test
    void wrongFieldTypeWithMsgSerialIsNacked() throws Exception {
        RawWebSocket c = connected(TestServer.FULL_KEY, "alice");
        c.send("{\"action\":15,\"channel\":\"c\",\"msgSerial\":0,\"messages\":{\"not\":\"an array\"}}");
        JsonNode nack = c.awaitAck(2, 0);
        assertEquals(1, nack.path("count").asInt());
        assertEquals(400, nack.path("error").path("statusCode").asInt());
        c.send(publish("c", 1, "[{\"data\":\"fine\"}]"));
        c.awaitAck(1, 1);
    }

    @Test
    void oversizedFrameClosesThatConnectionOnly() throws Exception {
        String channel = TestServer.uniqueChannel("big");
        RawWebSocket bystander = connected(TestServer.FULL_KEY, "bystander");
        attach(bystander, channel);
        RawWebSocket big = connected(TestServer.FULL_KEY, "big");

        try {
            big.send(publish(channel, 0, "[{\"data\":\"" + "x".repeat(600_000) + "\"}]")); // over maxFrameSize 524288
        } catch (java.util.concurrent.CompletionException closedMidFrame) {
            // the broker refuses the frame from its header and may close before the client has written all of it
        }
        JsonNode error = big.awaitAction(9);
        assertFalse(error.has("channel"));
        assertEquals(40009, error.path("error").path("code").asInt());
        big.awaitClosed();

        RawWebSocket publisher = connected(TestServer.FULL_KEY, "after");
        publisher.send(publish(channel, 0, "[{\"data\":\"still works\"}]"));
        publisher.awaitAck(1, 0);
        bystander.await("delivery", f -> f.path("action").asInt() == 15);
        assertEquals(List.of("still works"), bystander.deliveredData(channel));
        bystander.send("{\"action\":0,\"id\":\"b\"}");
        bystander.awaitReply("b");
    }

    // Every field counts toward maxMessageSize (64 KiB): a 192 KiB id, name, encoding or extras is refused like data
    // would be (40009), message and presence alike, and nothing is delivered. Before, only name, data, clientId and
    // extras counted, so a 192 KiB id or encoding passed.
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"id", "name", "encoding", "extras"})
    void aHugeFieldOfAnyKindIsNacked(String field) throws Exception {
        String channel = TestServer.uniqueChannel("huge-" + field);
        RawWebSocket bystander = connected(TestServer.FULL_KEY, null);
        attach(bystander, channel);
        RawWebSocket c = connected(TestServer.FULL_KEY, "alice");
        attach(c, channel);
        String big = "y".repeat(192 * 1024);
        String value = field.equals("extras") ? "{\"headers\":{\"h\":\"" + big + "\"}}" : "\"" + big + "\"";
        c.send(publish(channel, 0, "[{\"data\":\"d\",\"" + field + "\":" + value + "}]"));
        assertError(40009, 413, c.awaitAck(2, 0));
        if (!field.equals("name")) { // presence messages have no name
            c.send("{\"action\":14,\"channel\":\"" + channel + "\",\"msgSerial\":1,\"presence\":[{\"action\":2,\"data\":\"d\",\""
                    + field + "\":" + value + "}]}");
            assertError(40009, 413, c.awaitAck(2, 1));
        }
        c.send(publish(channel, 2, "[{\"data\":\"small\"}]"));
        c.awaitAck(1, 2);
        bystander.await("the small message", f -> f.path("action").asInt() == 15);
        assertEquals(List.of("small"), bystander.deliveredData(channel));
        assertTrue(bystander.frames().stream().noneMatch(f -> f.path("action").asInt() == 14), "no presence event was delivered");
    }

    @Test
    void messageOverMaxMessageSizeIsNackedAndTheConnectionSurvives() throws Exception {
        RawWebSocket c = connected(TestServer.FULL_KEY, "alice");
        c.send(publish("c", 0, "[{\"data\":\"" + "x".repeat(70_000) + "\"}]"));
        assertEquals(40009, c.awaitAck(2, 0).path("error").path("code").asInt());
        c.send(publish("c", 1, "[{\"data\":\"small\"}]"));
        c.awaitAck(1, 1);
    }

    @Test
    void jsonInBinaryFramesAsAblyJavaSendsIt() throws Exception {
        String channel = TestServer.uniqueChannel("bin");
        RawWebSocket c = open(keyParam(TestServer.FULL_KEY) + "&clientId=java&format=json&v=2&heartbeats=false");
        c.awaitAction(4);
        c.sendBinary(("{\"action\":10,\"flags\":0,\"count\":0,\"channel\":\"" + channel + "\",\"timestamp\":0}")
                .getBytes(StandardCharsets.UTF_8));
        c.awaitAction(11);
        c.sendBinary(("{\"action\":15,\"flags\":0,\"count\":0,\"channel\":\"" + channel + "\",\"msgSerial\":0,\"timestamp\":0,"
                + "\"messages\":[{\"data\":\"hello\",\"name\":\"greeting\"}]}").getBytes(StandardCharsets.UTF_8));
        c.awaitAck(1, 0);
        JsonNode echo = c.awaitAction(15);
        assertEquals("java", echo.path("messages").get(0).path("clientId").asText());
    }

    @Test
    void aResumeTakesTheConnectionOverFromATransportStillOpenAndAnotherIdentityGetsAFreshOne() throws Exception {
        RawWebSocket first = connected(TestServer.FULL_KEY, "alice");
        JsonNode firstConnected = first.frames().get(0);
        String connectionKey = firstConnected.path("connectionDetails").path("connectionKey").asText();

        RawWebSocket mallory = open(keyParam(TestServer.FULL_KEY) + "&clientId=mallory&format=json&resume="
                + java.net.URLEncoder.encode(connectionKey, StandardCharsets.UTF_8));
        JsonNode refused = mallory.awaitAction(4);
        assertNotEquals(firstConnected.path("connectionId").asText(), refused.path("connectionId").asText());
        assertError(80011, 400, refused);

        RawWebSocket resumed = open(keyParam(TestServer.FULL_KEY) + "&clientId=alice&format=json&resume="
                + java.net.URLEncoder.encode(connectionKey, StandardCharsets.UTF_8));
        JsonNode connected = resumed.awaitAction(4);
        assertEquals(firstConnected.path("connectionId").asText(), connected.path("connectionId").asText());
        assertTrue(connected.path("error").isMissingNode(), connected::toString);
        first.awaitClosed();
    }

    @Test
    void echoFalseSuppressesOwnMessages() throws Exception {
        String channel = TestServer.uniqueChannel("echo");
        RawWebSocket quiet = open(keyParam(TestServer.FULL_KEY) + "&clientId=quiet&format=json&echo=false");
        quiet.awaitAction(4);
        attach(quiet, channel);
        RawWebSocket other = connected(TestServer.FULL_KEY, "other");
        attach(other, channel);
        quiet.send(publish(channel, 0, "[{\"data\":\"mine\"}]"));
        quiet.awaitAck(1, 0);
        other.send(publish(channel, 0, "[{\"data\":\"theirs\"}]"));
        quiet.await("theirs", f -> f.path("action").asInt() == 15);
        other.await("mine", f -> other.deliveredData(channel).contains("mine"));
        assertEquals(List.of("theirs"), quiet.deliveredData(channel));
    }

    @Test
    void appsDoNotShareChannels() throws Exception {
        String channel = TestServer.uniqueChannel("iso");
        RawWebSocket app2 = connected(TestServer.OTHER_APP_KEY, "two");
        attach(app2, channel);
        RawWebSocket app1 = connected(TestServer.FULL_KEY, "one");
        attach(app1, channel);
        app1.send(publish(channel, 0, "[{\"data\":\"app1 only\"}]"));
        app1.await("own echo", f -> f.path("action").asInt() == 15);
        app2.send(publish(channel, 0, "[{\"data\":\"app2 marker\"}]"));
        app2.await("app2 marker", f -> f.path("action").asInt() == 15);
        assertEquals(List.of("app2 marker"), app2.deliveredData(channel));
    }

    @Test
    void closeIsAnsweredWithClosed() throws Exception {
        RawWebSocket c = connected(TestServer.FULL_KEY, "alice");
        attach(c, TestServer.uniqueChannel("close"));
        c.send("{\"action\":7}");
        c.awaitAction(8);
        c.awaitClosed();
    }
}
