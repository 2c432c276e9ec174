package dev.hubbub.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A raw WebSocket client (the JDK's java.net.http, no proxy) for what the official SDKs refuse to
 * send: it sends any text or binary frame and records every frame the broker sends back, in order,
 * with its type, its bytes and the tree a {@link Decoder} makes of them (JSON by default; see
 * {@link #binaryAs} for MessagePack).
 *
 * <p>Two ways to wait, both bounded by {@link #TIMEOUT}: {@code await*} look at every frame from the
 * first and return the first match (nothing is consumed); {@link #next} reads on from a cursor,
 * consuming the frames it skips, like a queue. A frame the decoder refuses fails the next wait.
 */
public final class RawWebSocket implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    /** How long any wait lasts before it fails the test. */
    public static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(TIMEOUT)
            .build();

    /** One received frame: binary or text, its bytes, and the tree they decode to. */
    public record Frame(boolean binary, byte[] bytes, JsonNode tree) {
        public int action() { return tree.path("action").asInt(-1); }

        /** The bytes as UTF-8 text. */
        public String text() { return new String(bytes, StandardCharsets.UTF_8); }

        @Override
        public String toString() { return (binary ? "binary " : "text ") + tree; }
    }

    /** Makes a tree of a received frame; throws (and so fails the test's next wait) on a frame it refuses. */
    @FunctionalInterface
    public interface Decoder {
        JsonNode decode(boolean binary, byte[] bytes) throws IOException;
    }

    /** JSON in text and in binary frames (ably-java sends JSON in binary frames; the broker answers in text). */
    public static final Decoder JSON_FRAMES = (binary, bytes) -> JSON.readTree(bytes);

    /** JSON in text frames only: a binary frame fails the test (the broker never sends one in JSON mode). */
    public static final Decoder JSON_TEXT_ONLY = (binary, bytes) -> {
        if (binary) {
            throw new IOException("binary frame in JSON mode");
        }
        return JSON.readTree(bytes);
    };

    /** Binary frames with {@code binaryMapper} (a MessagePack mapper, say), text frames as JSON. */
    public static Decoder binaryAs(ObjectMapper binaryMapper) {
        return (binary, bytes) -> (binary ? binaryMapper : JSON).readTree(bytes);
    }

    private final Decoder decoder;
    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final List<String> undecodable = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final AtomicLong msgSerial = new AtomicLong();
    private int cursor;
    private volatile WebSocket ws;

    private RawWebSocket(Decoder decoder) { this.decoder = decoder; }

    /** Opens a connection whose frames are JSON ({@link #JSON_FRAMES}); waits for the upgrade only. */
    public static RawWebSocket open(URI uri) { return open(uri, JSON_FRAMES); }

    /** Opens a connection; waits for the upgrade only (the broker answers a bad connect inside the protocol). */
    public static RawWebSocket open(URI uri, Decoder decoder) {
        RawWebSocket c = new RawWebSocket(decoder);
        try {
            c.ws = HTTP.newWebSocketBuilder().connectTimeout(TIMEOUT).buildAsync(uri, c.new Listener())
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted opening " + uri, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot open " + uri, e);
        }
        return c;
    }

    /** {@code name=value}, the value URL-encoded, for a connection query. */
    public static String param(String name, String value) {
        return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public void onOpen(WebSocket webSocket) { webSocket.request(1); }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
                text.setLength(0);
                record(false, bytes);
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
                byte[] bytes = binary.toByteArray();
                binary.reset();
                record(true, bytes);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) { closed.complete(-1); }
    }

    private void record(boolean binary, byte[] bytes) {
        try {
            frames.add(new Frame(binary, bytes, decoder.decode(binary, bytes)));
        } catch (IOException | RuntimeException e) {
            undecodable.add((binary ? "binary" : "text") + " frame " + e.getMessage() + ": "
                    + abbreviate(new String(bytes, StandardCharsets.UTF_8)));
        }
    }

    // ----- sending -----

    /** Sends a text frame and waits until it is written. */
    public void send(String text) { ws.sendText(text, true).join(); }

    /** Sends a JSON tree as a text frame. */
    public void send(JsonNode frame) { send(frame.toString()); }

    public void sendText(String text) { send(text); }

    public void sendBinary(byte[] bytes) { ws.sendBinary(ByteBuffer.wrap(bytes), true).join(); }

    /** Sends if the socket is still open; a send the broker already closed on is not an error here. */
    public void trySend(String text) {
        try {
            ws.sendText(text, true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception closedFirst) {
            // closed by the broker first: fine
        }
    }

    // ----- what was received -----

    /** Every frame received so far, in order. */
    public List<Frame> received() { return List.copyOf(frames); }

    /** The trees of every frame received so far, in order. */
    public List<JsonNode> frames() { return frames.stream().map(Frame::tree).toList(); }

    /** The data of every message (action 15) delivered on {@code channel} so far, in order. */
    public List<String> deliveredData(String channel) {
        return frames.stream().map(Frame::tree)
                .filter(f -> f.path("action").asInt() == 15 && channel.equals(f.path("channel").asText()))
                .flatMap(f -> StreamSupport.stream(f.path("messages").spliterator(), false))
                .map(m -> m.path("data").asText())
                .toList();
    }

    /** Whether the broker closed the connection (or it failed). */
    public boolean isClosed() { return closed.isDone(); }

    public boolean isOpen() { return !closed.isDone() && !ws.isInputClosed() && !ws.isOutputClosed(); }

    // ----- waiting, from the first frame -----

    /** Waits until {@code found} answers non-null; on timeout fails with everything received so far. */
    private <T> T waitFor(String what, Callable<T> found) {
        try {
            return Awaitility.await().alias(what).atMost(TIMEOUT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        if (!undecodable.isEmpty()) {
                            throw new AssertionError("undecodable frame while waiting for " + what + ": " + undecodable);
                        }
                        return found.call();
                    }, r -> r != null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out after " + TIMEOUT.toSeconds() + " s waiting for " + what + "; received "
                    + abbreviate(frames.toString()) + (isClosed() ? ", then closed (" + closed.join() + ")" : ""), e);
        }
    }

    /** Waits for the first frame (in arrival order, from the first) that matches. */
    public JsonNode await(String what, Predicate<JsonNode> match) {
        return waitFor(what, () -> frames.stream().map(Frame::tree).filter(match).findFirst().orElse(null));
    }

    public JsonNode awaitAction(int action) { return await("action " + action, f -> f.path("action").asInt() == action); }

    /** Waits for the n-th frame (1-based) with this action. */
    public JsonNode awaitAction(int action, int nth) {
        return waitFor(nth + " x action " + action, () -> {
            List<JsonNode> matching = frames.stream().map(Frame::tree).filter(f -> f.path("action").asInt() == action).toList();
            return matching.size() >= nth ? matching.get(nth - 1) : null;
        });
    }

    /** Waits for the ACK (1) or NACK (2), as {@code action} says, of {@code msgSerial}. */
    public JsonNode awaitAck(int action, long msgSerial) {
        return await("action " + action + " msgSerial " + msgSerial,
                f -> f.path("action").asInt() == action && f.path("msgSerial").asLong(-1) == msgSerial);
    }

    /** Waits for the answer to a HEARTBEAT sent with this id. */
    public JsonNode awaitReply(String heartbeatId) {
        return await("heartbeat " + heartbeatId, f -> f.path("action").asInt() == 0 && heartbeatId.equals(f.path("id").asText()));
    }

    /** Waits until the broker closes the connection. */
    public void awaitClosed() { waitFor("the broker to close the connection", () -> closed.isDone() ? Boolean.TRUE : null); }

    // ----- waiting, from a cursor -----

    /** The next frame after the cursor that matches {@code which}; the frames skipped on the way are consumed. */
    public Frame next(Predicate<Frame> which) {
        return waitFor("the next matching frame", () -> {
            synchronized (this) {
                for (int i = cursor; i < frames.size(); i++) {
                    Frame f = frames.get(i);
                    if (which.test(f)) {
                        cursor = i + 1;
                        return f;
                    }
                }
                cursor = frames.size();
                return null;
            }
        });
    }

    public Frame nextAction(int action) { return next(f -> f.action() == action); }

    // ----- the Ably protocol, JSON -----

    /** Sends ATTACH and waits for ATTACHED on that channel. */
    public JsonNode attach(String channel) {
        send(JSON.createObjectNode().put("action", 10).put("channel", channel));
        return await("ATTACHED " + channel, f -> f.path("action").asInt() == 11 && channel.equals(f.path("channel").asText()));
    }

    /** Sends PRESENCE with this connection's next msgSerial and waits for its ACK or NACK. */
    public JsonNode presence(String channel, ArrayNode items) {
        long serial = msgSerial.getAndIncrement();
        ObjectNode f = JSON.createObjectNode().put("action", 14).put("channel", channel).put("msgSerial", serial);
        f.set("presence", items);
        send(f);
        return await("ACK or NACK of msgSerial " + serial, m -> (m.path("action").asInt() == 1 || m.path("action").asInt() == 2)
                && m.path("msgSerial").asLong(-1) == serial);
    }

    /** One presence item; {@code clientId} and {@code data} are left out when null. */
    public static ObjectNode presenceItem(int action, String clientId, String data) {
        ObjectNode p = JSON.createObjectNode().put("action", action);
        if (clientId != null) {
            p.put("clientId", clientId);
        }
        if (data != null) {
            p.put("data", data);
        }
        return p;
    }

    private static String abbreviate(String s) { return s.length() <= 4000 ? s : s.substring(0, 4000) + "... (" + s.length() + " chars)"; }

    // ----- ending -----

    /** Drops the TCP connection without a Close frame or a protocol CLOSE. */
    public void abort() {
        WebSocket s = ws;
        if (s != null) {
            s.abort();
        }
    }

    @Override
    public void close() { abort(); }
}
