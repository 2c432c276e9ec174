package dev.hubbub.core.channel;

import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.Arrays;
import java.util.function.Function;

/**
 * A frame sent to many connections. The transport serialises it at most once per wire format
 * ({@link #encoded}) and writes shared views of those bytes; it may also {@link #attach} state for
 * a group of recipients (a batch per event loop, say). Used by one thread during a fan-out; the
 * fan-out's owner calls {@link #release()} when every recipient has taken its view, which also
 * releases the attachments, in the order they were attached.
 */
public final class SharedFrame {
    public static final int MAX_FORMATS = 2;

    private final ProtocolMessage message;
    private final EncodedFrame[] encoded = new EncodedFrame[MAX_FORMATS];
    private Object[] keys;
    private EncodedFrame[] attached;
    private int attachedCount;

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

    /** What was attached under {@code key} (compared by identity), or null. */
    public EncodedFrame attachment(Object key) {
        for (int i = 0; i < attachedCount; i++) {
            if (keys[i] == key) {
                return attached[i];
            }
        }
        return null;
    }

    /** Attaches {@code value} under a key not attached yet; it is released with the frame. */
    public void attach(Object key, EncodedFrame value) {
        if (keys == null) {
            keys = new Object[4];
            attached = new EncodedFrame[4];
        } else if (attachedCount == keys.length) {
            keys = Arrays.copyOf(keys, attachedCount * 2);
            attached = Arrays.copyOf(attached, attachedCount * 2);
        }
        keys[attachedCount] = key;
        attached[attachedCount++] = value;
    }

    /** Releases the attachments, then every encoding made; recipients hold their own references. */
    public void release() {
        for (int i = 0; i < attachedCount; i++) {
            EncodedFrame a = attached[i];
            attached[i] = null;
            keys[i] = null;
            a.release();
        }
        attachedCount = 0;
        for (int i = 0; i < encoded.length; i++) {
            if (encoded[i] != null) {
                encoded[i].release();
                encoded[i] = null;
            }
        }
    }
}
