package dev.hubbub.transport.ws;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Test helper: fan-out deliveries leave the transport as complete, pre-encoded WebSocket frames
 * (raw ByteBufs that bypass the WebSocket encoder); this turns them back into frame objects so
 * tests can read every outbound message the same way.
 */
public final class OutboundFrames {
    private OutboundFrames() {}

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
            default -> throw new AssertionError("unexpected opcode " + (b0 & 0x0f));
        };
    }
}
