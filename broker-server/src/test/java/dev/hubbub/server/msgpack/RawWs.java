package dev.hubbub.server.msgpack;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** A raw WebSocket client: sends bytes as given, keeps every frame it receives with its type. */
final class RawWs implements AutoCloseable {
    static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    /** One received frame: binary or text, its bytes, and the tree they parse to. */
    record Frame(boolean binary, byte[] bytes, JsonNode tree) {
        int action() { return tree.path("action").asInt(-1); }
    }

    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    private final WebSocket ws;

    RawWs(URI uri) {
        this.ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, new Listener()).join();
    }

    private final class Listener implements WebSocket.Listener {
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] chunk = new byte[data.remaining()];
            data.get(chunk);
            partial.writeBytes(chunk);
            if (last) {
                byte[] bytes = partial.toByteArray();
                partial.reset();
                frames.add(new Frame(true, bytes, parse(MSGPACK, bytes)));
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                byte[] bytes = text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                text.setLength(0);
                frames.add(new Frame(false, bytes, parse(JSON, bytes)));
            }
            webSocket.request(1);
            return null;
        }
    }

    private static JsonNode parse(ObjectMapper mapper, byte[] bytes) {
        try {
            return mapper.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void sendBinary(byte[] bytes) { ws.sendBinary(ByteBuffer.wrap(bytes), true).join(); }

    void sendText(String text) { ws.sendText(text, true).join(); }

    /** The next frame matching {@code which}, skipping others (heartbeats and the like); fails after 5 s. */
    Frame next(Predicate<Frame> which) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            while (true) {
                Frame f = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertNotNull(f, "no matching frame within 5 s");
                if (which.test(f)) {
                    return f;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Frame nextAction(int action) { return next(f -> f.action() == action); }

    boolean isOpen() { return !ws.isInputClosed() && !ws.isOutputClosed(); }

    @Override
    public void close() { ws.abort(); }
}
