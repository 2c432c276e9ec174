package dev.hubbub.server.presence;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A bare WebSocket client speaking the JSON protocol, for what the SDK refuses to send. Records
 * every frame it receives.
 */
final class RawClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket socket;
    private long msgSerial;

    /** Connects with the given query ({@code key=...&clientId=...}) plus format=json and v=2; waits for CONNECTED. */
    static RawClient connect(int port, String query) throws Exception {
        RawClient client = new RawClient();
        client.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/?format=json&v=2&" + query), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        client.onText(data, last);
                        ws.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        client.awaitFrame(f -> f.path("action").asInt() == 4);
        return client;
    }

    static String param(String name, String value) {
        return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private synchronized void onText(CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                received.add(JSON.readTree(partial.toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            partial.setLength(0);
        }
    }

    void send(ObjectNode frame) {
        try {
            socket.sendText(JSON.writeValueAsString(frame), true).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    JsonNode awaitFrame(Predicate<JsonNode> match) {
        await().atMost(Duration.ofSeconds(20)).until(() -> received.stream().anyMatch(match));
        return received.stream().filter(match).findFirst().orElseThrow();
    }

    void attach(String channel) {
        ObjectNode f = JSON.createObjectNode().put("action", 10).put("channel", channel);
        send(f);
        awaitFrame(m -> m.path("action").asInt() == 11 && channel.equals(m.path("channel").asText()));
    }

    /** Sends PRESENCE with the next msgSerial and waits for its ACK or NACK. */
    JsonNode presence(String channel, ArrayNode items) {
        long serial = msgSerial++;
        ObjectNode f = JSON.createObjectNode().put("action", 14).put("channel", channel).put("msgSerial", serial);
        f.set("presence", items);
        send(f);
        return awaitFrame(m -> (m.path("action").asInt() == 1 || m.path("action").asInt() == 2)
                && m.path("msgSerial").asLong(-1) == serial);
    }

    static ObjectNode item(int action, String clientId, String data) {
        ObjectNode p = JSON.createObjectNode().put("action", action);
        if (clientId != null) {
            p.put("clientId", clientId);
        }
        if (data != null) {
            p.put("data", data);
        }
        return p;
    }

    /** Drops the TCP connection without a CLOSE frame or protocol CLOSE. */
    void abort() { socket.abort(); }

    @Override
    public void close() { socket.abort(); }
}
