package dev.hubbub.server.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A raw WebSocket client (the JDK's), for what the official SDKs guard locally: it sends any frame
 * and records every JSON frame the broker sends back.
 */
final class RawClient implements WebSocket.Listener, AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(TIMEOUT)
            .build();

    final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private WebSocket ws;

    /** Opens the connection; the upgrade itself must succeed (the broker never refuses it). */
    static RawClient connect(URI uri) throws Exception {
        RawClient c = new RawClient();
        c.ws = HTTP.newWebSocketBuilder().connectTimeout(TIMEOUT).buildAsync(uri, c).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        return c;
    }

    @Override
    public void onOpen(WebSocket webSocket) { webSocket.request(1); }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            add(text.toString().getBytes(StandardCharsets.UTF_8));
            text.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        binary.writeBytes(chunk);
        if (last) {
            add(binary.toByteArray());
            binary.reset();
        }
        webSocket.request(1);
        return null;
    }

    private void add(byte[] json) {
        try {
            frames.add(JSON.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) { closed.complete(-1); }

    void send(String json) { ws.sendText(json, true).join(); }

    void sendBinary(byte[] bytes) { ws.sendBinary(ByteBuffer.wrap(bytes), true).join(); }

    /** Waits for the first frame (in arrival order) that matches. */
    JsonNode await(String what, Predicate<JsonNode> match) {
        return org.awaitility.Awaitility.await().alias(what).atMost(TIMEOUT).pollInterval(Duration.ofMillis(10))
                .until(() -> frames.stream().filter(match).findFirst(), Optional::isPresent).get();
    }

    JsonNode awaitAction(int action) { return await("action " + action, f -> f.path("action").asInt() == action); }

    JsonNode awaitAck(int action, long msgSerial) {
        return await("action " + action + " msgSerial " + msgSerial,
                f -> f.path("action").asInt() == action && f.path("msgSerial").asLong(-1) == msgSerial);
    }

    JsonNode awaitReply(String heartbeatId) {
        return await("heartbeat " + heartbeatId, f -> f.path("action").asInt() == 0 && heartbeatId.equals(f.path("id").asText()));
    }

    /** The data of every message delivered on {@code channel} so far. */
    List<String> deliveredData(String channel) {
        return frames.stream()
                .filter(f -> f.path("action").asInt() == 15 && channel.equals(f.path("channel").asText()))
                .flatMap(f -> java.util.stream.StreamSupport.stream(f.path("messages").spliterator(), false))
                .map(m -> m.path("data").asText())
                .toList();
    }

    /** Waits until the broker closes the connection. */
    void awaitClosed() {
        org.awaitility.Awaitility.await().alias("connection closed").atMost(TIMEOUT).pollInterval(Duration.ofMillis(10)).until(closed::isDone);
    }

    boolean isOpen() { return !closed.isDone() && !ws.isInputClosed(); }

    @Override
    public void close() {
        if (ws != null && !ws.isOutputClosed()) {
            ws.abort();
        }
    }
}
