package dev.hubbub.transport.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.hubbub.core.protocol.ProtocolMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A JSON generator over a stream whose buffer is set for each frame, or made at the first bytes
 * the generator hands over (all of a frame under its 8,000-byte buffer), beside the direct writer
 * tried first; one per thread ({@link ProtocolCodec}'s JSON output).
 */
final class ReusedJson extends OutputStream {
    final JsonGenerator gen;
    /** The direct writer, tried first (the frames sent most); the generator writes what it gives up on. */
    final JsonFrameWriter direct = new JsonFrameWriter();
    ByteBuf target;
    ByteBufAllocator alloc;
    int headroom;

    ReusedJson(JsonFactory factory) {
        try {
            this.gen = factory.createGenerator(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        gen.setRootValueSeparator(null); // frames are separate documents: nothing between them
    }

    /**
     * Whether the direct writer wrote {@code message} (its bytes are then in {@link #direct});
     * false for a frame with a field only the generator writes exactly (see JsonFrameWriter).
     */
    boolean direct(ProtocolMessage message) {
        try {
            direct.write(message);
            return true;
        } catch (GiveUp e) {
            return false;
        }
    }

    @Override
    public void write(int b) {
        target(1).writeByte(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        target(len).writeBytes(b, off, len);
    }

    /** The buffer being written, made now (room for {@code first} bytes after the headroom) if there is none. */
    ByteBuf target(int first) {
        if (target == null) {
            target = alloc.buffer(headroom + Math.max(first, 16));
            target.writerIndex(headroom);
        }
        return target;
    }
}
