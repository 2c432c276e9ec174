package dev.hubbub.transport;

import io.netty.util.internal.PlatformDependent;

/**
 * When the node's network buffers are short of memory, and what a connection may then have unsent.
 * Each connection's backlog is capped on its own ({@code maxBacklogBytes}), but that cap times the
 * connections that fall behind together (a fan-out whose subscribers all lag) can pass what the node
 * has: direct memory, whose end is an {@code OutOfMemoryError} in whatever allocates next, on any
 * connection (each refused allocation first costs up to half a second in the JDK).
 * So the listener watches the direct memory its allocator has in use: above {@code aboveBytes} the
 * node is under pressure, and a connection with more than {@code backlogBytes} unsent is dropped at
 * once (its unsent frames freed with it); below {@code belowBytes()} the pressure is off again.
 *
 * @param aboveBytes   direct memory in use above which the node is under pressure
 * @param backlogBytes what a connection may have unsent while it is
 */
public record MemoryPressure(long aboveBytes, long backlogBytes) {
    /** The pressure ends below this share of {@code aboveBytes}, so that it does not flap at the mark. */
    static final double RELEASE_AT = 0.75;
    /**
     * As much as stops a connection's reads (the write-buffer high-water mark). With 256 KiB, a
     * publisher sending as fast as the node takes it was dropped in two of three runs of
     * scripts/stalled-readers: a read burst queues thousands of its ACKs behind the loop's own work.
     */
    public static final long DEFAULT_BACKLOG_BYTES = 1024 * 1024;
    public static final long MIN_BYTES = 64 * 1024;

    public MemoryPressure {
        if (aboveBytes < MIN_BYTES || backlogBytes < MIN_BYTES) {
            throw new IllegalArgumentException("memory pressure marks must be at least " + MIN_BYTES + " bytes");
        }
    }

    /** Under pressure at three quarters of the direct memory Netty may use ({@link #directMemoryLimit}). */
    public static MemoryPressure defaults() {
        return new MemoryPressure(defaultAboveBytes(), DEFAULT_BACKLOG_BYTES);
    }

    public static long defaultAboveBytes() { return Math.max(MIN_BYTES, directMemoryLimit() / 4 * 3); }

    /**
     * The direct memory Netty's buffers may take before allocations fail: the JVM's
     * {@code -XX:MaxDirectMemorySize} (by default the heap's maximum) unless {@code -Dio.netty.maxDirectMemory} says otherwise.
     */
    public static long directMemoryLimit() { return PlatformDependent.maxDirectMemory(); }

    public long belowBytes() { return (long) (aboveBytes * RELEASE_AT); }

    /** Whether the node is under pressure with {@code usedBytes} in use, given whether it was. */
    public boolean pressed(boolean was, long usedBytes) {
        return was ? usedBytes >= belowBytes() : usedBytes > aboveBytes;
    }
}
