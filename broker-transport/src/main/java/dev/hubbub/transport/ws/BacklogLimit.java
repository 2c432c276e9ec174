package dev.hubbub.transport.ws;

/**
 * How much a connection may have been sent and not yet taken: {@code maxBytes}, or the smaller
 * {@code underPressureBytes} while the node's buffers are short of memory (see
 * {@code MemoryPressure}). One per listener, read by every connection on every frame it is sent
 * (a volatile read); the pressure is set by the listener's memory check.
 */
public final class BacklogLimit {
    private final long maxBytes;
    private final long underPressureBytes;
    private volatile boolean pressed;

    public BacklogLimit(long maxBytes, long underPressureBytes) {
        if (maxBytes <= 0 || underPressureBytes <= 0) {
            throw new IllegalArgumentException("backlog limits must be positive");
        }
        this.maxBytes = maxBytes;
        this.underPressureBytes = Math.min(maxBytes, underPressureBytes);
    }

    /** The same limit whatever the memory (never under pressure unless told). */
    public static BacklogLimit fixed(long maxBytes) { return new BacklogLimit(maxBytes, maxBytes); }

    /** What a connection may have unsent now. */
    public long bytes() { return pressed ? underPressureBytes : maxBytes; }

    public long maxBytes() { return maxBytes; }

    public long underPressureBytes() { return underPressureBytes; }

    /** Whether the node is under memory pressure: connections past {@link #underPressureBytes} are dropped at once. */
    public boolean pressed() { return pressed; }

    /** Sets the pressure; returns whether that changed it. */
    public boolean press(boolean on) {
        boolean was = pressed;
        pressed = on;
        return was != on;
    }
}
