package dev.hubbub.transport.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** Small helpers for reading and writing realtime frames in EmbeddedChannel tests. */
final class WsFrames {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());

    private WsFrames() {}

    static TextWebSocketFrame text(String json) { return new TextWebSocketFrame(json); }

    static BinaryWebSocketFrame binary(String json) {
        return new BinaryWebSocketFrame(Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
    }

    static BinaryWebSocketFrame msgpack(String json) {
        try {
            return new BinaryWebSocketFrame(Unpooled.wrappedBuffer(MSGPACK.writeValueAsBytes(JSON.readTree(json))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses a data frame (JSON text, or MessagePack when binary) and releases it. */
    static JsonNode parse(WebSocketFrame frame) {
        try {
            ByteBuf content = frame.content();
            byte[] bytes = new byte[content.readableBytes()];
            content.getBytes(content.readerIndex(), bytes);
            return (frame instanceof BinaryWebSocketFrame ? MSGPACK : JSON).readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            frame.release();
        }
    }

    /**
     * Every outbound object written so far (frames, or other messages as they are), after running
     * the loop's pending tasks: fan-out writes from other connections arrive as a task on this loop.
     */
    static List<Object> drain(EmbeddedChannel ch) {
        ch.runPendingTasks();
        return OutboundFrames.readAll(ch);
    }

    /** The outbound data frames parsed as trees; other frames are released and skipped. */
    static List<JsonNode> drainData(EmbeddedChannel ch) {
        List<JsonNode> out = new ArrayList<>();
        for (Object o : drain(ch)) {
            if (o instanceof TextWebSocketFrame || o instanceof BinaryWebSocketFrame) {
                out.add(parse((WebSocketFrame) o));
            } else {
                io.netty.util.ReferenceCountUtil.release(o);
            }
        }
        return out;
    }

    static List<Integer> actions(List<JsonNode> frames) {
        return frames.stream().map(f -> f.path("action").asInt()).toList();
    }
}
