package dev.hubbub.server.token;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A raw WebSocket client (java.net.http) speaking JSON frames, for what an SDK refuses to send.
 * Records every frame and whether the server closed the connection.
 */
final class WsProbe implements WebSocket.Listener, AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile boolean closed;
    private volatile WebSocket socket;

    static WsProbe open(URI uri) {
        WsProbe probe = new WsProbe();
        try {
            probe.socket = HTTP.newWebSocketBuilder().buildAsync(uri, probe).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot open " + uri, e);
        }
        return probe;
    }

    @Override
    public void onOpen(WebSocket webSocket) { webSocket.request(1); }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                frames.add(JSON.readTree(text));
            } catch (Exception e) {
                throw new UncheckedIOException(new java.io.IOException("not JSON: " + text, e));
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        throw new AssertionError("binary frame in JSON mode");
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed = true;
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) { closed = true; }

    void send(String json) { socket.sendText(json, true).join(); }

    /** Sends if the socket is still open; a send the server already closed on is not an error here. */
    void trySend(String json) {
        try {
            socket.sendText(json, true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            // closed by the server first: fine
        }
    }

    List<JsonNode> frames() { return List.copyOf(frames); }

    boolean isClosed() { return closed; }

    private static org.awaitility.core.ConditionFactory waiting() {
        return Awaitility.await().atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10));
    }

    /** Waits until {@code found} answers non-null; on timeout fails with everything received so far. */
    private <T> T waitFor(String what, java.util.concurrent.Callable<T> found) {
        try {
            return waiting().until(found, f -> f != null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "; received " + frames + (closed ? ", closed" : ""), e);
        }
    }

    /** Waits for the first frame (from the start) that matches. */
    JsonNode awaitFrame(String what, Predicate<JsonNode> matches) {
        return waitFor(what, () -> frames.stream().filter(matches).findFirst().orElse(null));
    }

    JsonNode awaitAction(int action) { return awaitFrame("action " + action, f -> f.path("action").asInt() == action); }

    /** Waits for the n-th frame (1-based) with this action. */
    JsonNode awaitAction(int action, int nth) {
        return waitFor(nth + " x action " + action, () -> {
            List<JsonNode> matching = frames.stream().filter(f -> f.path("action").asInt() == action).toList();
            return matching.size() >= nth ? matching.get(nth - 1) : null;
        });
    }

    void awaitClosed() { waitFor("the server to close the socket", () -> closed ? Boolean.TRUE : null); }

    @Override
    public void close() {
        WebSocket s = socket;
        if (s != null && !closed) {
            s.abort();
        }
    }
}
