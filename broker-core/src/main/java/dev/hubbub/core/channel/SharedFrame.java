package dev.hubbub.core.channel;

import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.function.Function;

/**
 * A frame sent to many connections. The transport serialises it at most once per wire format
 * ({@link #encoded}) and writes shared views of those bytes. Used by one thread during a fan-out;
 * the fan-out's owner calls {@link #release()} when every recipient has taken its view.
 */
public final class SharedFrame {
    public static final int MAX_FORMATS = 2;

    private final ProtocolMessage message;
    private final EncodedFrame[] encoded = new EncodedFrame[MAX_FORMATS];

    public SharedFrame(ProtocolMessage message) { this.message = message; }

    public ProtocolMessage message() { return message; }

    /** The frame in wire format {@code format} (0 .. MAX_FORMATS-1), encoding it on first use. */
    @SuppressWarnings("unchecked")
    public <T extends EncodedFrame> T encoded(int format, Function<ProtocolMessage, T> encoder) {
        EncodedFrame frame = encoded[format];
        if (frame == null) {
            frame = encoder.apply(message);
            encoded[format] = frame;
        }
        return (T) frame;
    }

    /** Releases every encoding made; recipients hold their own references. */
    public void release() {
        for (int i = 0; i < encoded.length; i++) {
            if (encoded[i] != null) {
                encoded[i].release();
                encoded[i] = null;
            }
        }
    }
}
