package dev.hubbub.transport.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.ArrayList;
import java.util.List;

/**
 * Test helper: fan-out deliveries leave the transport as complete, pre-encoded WebSocket frames
 * (raw ByteBufs that bypass the WebSocket encoder); this turns them back into frame objects so
 * tests can read every outbound message the same way.
 */
public final class OutboundFrames {
    private OutboundFrames() {}

    /**
     * Every outbound object {@code ch} has written so far, as frames: a buffer holding several whole
     * frames (a connection's frames of one drain are written as one buffer) is split into them.
     */
    public static List<Object> readAll(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.addAll(split(o));
        }
        return out;
    }

    /** {@link #asFrame} for each whole frame in {@code outbound} (one or more). */
    public static List<Object> split(Object outbound) {
        if (!(outbound instanceof ByteBuf raw) || outbound instanceof WebSocketFrame) {
            return List.of(outbound);
        }
        List<Object> frames = new ArrayList<>();
        try {
            while (raw.isReadable()) {
                int start = raw.readerIndex();
                int len = raw.getUnsignedByte(start + 1) & 0x7f;
                int header = len == 126 ? 4 : len == 127 ? 10 : 2;
                len = len == 126 ? raw.getUnsignedShort(start + 2) : len == 127 ? (int) raw.getLong(start + 2) : len;
                frames.add(asFrame(raw.retainedSlice(start, header + len)));
                raw.skipBytes(header + len);
            }
        } finally {
            raw.release();
        }
        return frames;
    }

    /** A WebSocketFrame for anything the pipeline wrote: frames as they are, pre-encoded bytes parsed. */
    public static Object asFrame(Object outbound) {
        if (!(outbound instanceof ByteBuf raw) || outbound instanceof WebSocketFrame) {
            return outbound;
        }
        int start = raw.readerIndex();
        int b0 = raw.getUnsignedByte(start);
        int b1 = raw.getUnsignedByte(start + 1);
        if ((b0 & 0x80) == 0 || (b1 & 0x80) != 0) {
            throw new AssertionError("server frames must be final and unmasked");
        }
        int len = b1 & 0x7f;
        int header = 2;
        if (len == 126) {
            len = raw.getUnsignedShort(start + 2);
            header = 4;
        } else if (len == 127) {
            len = (int) raw.getLong(start + 2);
            header = 10;
        }
        if (raw.readableBytes() != header + len) {
            throw new AssertionError("frame length " + len + " does not match " + (raw.readableBytes() - header) + " payload bytes");
        }
        ByteBuf payload = raw.retainedSlice(start + header, len);
        raw.release();
        return switch (b0 & 0x0f) {
            case 0x1 -> new TextWebSocketFrame(payload);
            case 0x2 -> new BinaryWebSocketFrame(payload);
            case 0x9 -> new PingWebSocketFrame(payload);
            default -> throw new AssertionError("unexpected opcode " + (b0 & 0x0f));
        };
    }
}
