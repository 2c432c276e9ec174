package dev.hubbub.bench.client;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * Encoder and decoder for the ProtocolMessages the bench sends and reads, in JSON (text frames)
 * or MessagePack (binary frames). Outbound frames go through Jackson's streaming generator;
 * inbound frames through the allocation-light {@link FrameReader}s, since a subscriber-heavy run
 * decodes hundreds of thousands of deliveries a second on the same cores as the broker.
 * Thread-safe.
 */
public final class WireCodec {
    public enum Format {
        JSON, MSGPACK;

        public static Format parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "json" -> JSON;
                case "msgpack" -> MSGPACK;
                default -> throw new IllegalArgumentException("format must be json or msgpack, was '" + s + "'");
            };
        }

        public String param() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Format format;
    private final JsonFactory factory;

    public WireCodec(Format format) {
        this.format = format;
        this.factory = format == Format.JSON ? new JsonFactory() : new MessagePackFactory();
    }

    public Format format() {
        return format;
    }

    // ---- outbound -------------------------------------------------------------------------

    /** ATTACH; {@code flags} (channel modes) are sent only when non-zero. */
    public WebSocketFrame attach(ByteBufAllocator alloc, String channel, long flags) {
        return attach(alloc, channel, flags, null);
    }

    /**
     * ATTACH carrying {@code channelSerial}, the last one the client saw on the channel (RTL4c1),
     * when not null: a re-attach after a resume, answered with RESUMED and what came after it.
     */
    public WebSocketFrame attach(ByteBufAllocator alloc, String channel, long flags, String channelSerial) {
        return frame(alloc, g -> {
            g.writeNumberField("action", Actions.ATTACH);
            g.writeStringField("channel", channel);
            if (flags != 0) {
                g.writeNumberField("flags", flags);
            }
            if (channelSerial != null) {
                g.writeStringField("channelSerial", channelSerial);
            }
        });
    }

    /** A MESSAGE carrying one message {name, data}. */
    public WebSocketFrame publish(ByteBufAllocator alloc, String channel, long msgSerial, String name, String data) {
        return frame(alloc, g -> {
            g.writeNumberField("action", Actions.MESSAGE);
            g.writeStringField("channel", channel);
            g.writeNumberField("msgSerial", msgSerial);
            g.writeArrayFieldStart("messages");
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeStringField("data", data);
            g.writeEndObject();
            g.writeEndArray();
        });
    }

    /** A PRESENCE carrying one presence message {action, data} (the connection's clientId is implied). */
    public WebSocketFrame presence(ByteBufAllocator alloc, String channel, long msgSerial, int presenceAction, String data) {
        return frame(alloc, g -> {
            g.writeNumberField("action", Actions.PRESENCE);
            g.writeStringField("channel", channel);
            g.writeNumberField("msgSerial", msgSerial);
            g.writeArrayFieldStart("presence");
            g.writeStartObject();
            g.writeNumberField("action", presenceAction);
            if (data != null) {
                g.writeStringField("data", data);
            }
            g.writeEndObject();
            g.writeEndArray();
        });
    }

    /** A frame with only an action (CLOSE, HEARTBEAT). */
    public WebSocketFrame bare(ByteBufAllocator alloc, int action) {
        return frame(alloc, g -> g.writeNumberField("action", action));
    }

    /** The bytes of a frame body, for tests and size estimates. */
    public static byte[] bytes(WebSocketFrame frame) {
        try {
            return ByteBufUtil.getBytes(frame.content());
        } finally {
            frame.release();
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private WebSocketFrame frame(ByteBufAllocator alloc, Body body) {
        ByteBuf buf = alloc.buffer(128);
        try (JsonGenerator g = factory.createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf), JsonEncoding.UTF8)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        return format == Format.JSON ? new TextWebSocketFrame(buf) : new BinaryWebSocketFrame(buf);
    }

    // ---- inbound --------------------------------------------------------------------------

    /** Decodes one ProtocolMessage; throws {@link IOException} when the body is not one. */
    public InboundFrame decode(ByteBuf content) throws IOException {
        int length = content.readableBytes();
        if (content.hasArray()) {
            return decode(content.array(), content.arrayOffset() + content.readerIndex(), length);
        }
        Scratch s = SCRATCH.get();
        byte[] bytes = s.buffer(length);
        content.getBytes(content.readerIndex(), bytes, 0, length);
        return decode(bytes, 0, length);
    }

    public InboundFrame decode(byte[] bytes, int offset, int length) throws IOException {
        Scratch s = SCRATCH.get();
        return (format == Format.JSON ? s.json : s.msgpack).read(bytes, offset, length);
    }

    /** Per-thread readers and copy buffer (each event loop thread decodes its own frames). */
    private static final class Scratch {
        final JsonFrameReader json = new JsonFrameReader();
        final MsgpackFrameReader msgpack = new MsgpackFrameReader();
        byte[] copy = new byte[4096];

        byte[] buffer(int length) {
            if (copy.length < length) {
                copy = new byte[Math.max(length, copy.length * 2)];
            }
            return copy;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
}
