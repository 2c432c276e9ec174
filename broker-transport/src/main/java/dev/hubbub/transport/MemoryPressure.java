package dev.hubbub.transport;

import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * When the node's network buffers are short of memory, and what a connection may then have unsent.
 * Each connection's backlog is capped on its own ({@code maxBacklogBytes}), but that cap times the
 * connections that fall behind together (a fan-out whose subscribers all lag) can pass what the node
 * has: direct memory, whose end is an {@code OutOfMemoryError} in whatever allocates next, on any
 * connection (each refused allocation first costs up to half a second in the JDK).
 * So the listener watches the direct memory the JVM has in use ({@link #directMemoryInUse}: network
 * buffers and kept history alike, since both count against the one limit): above {@code aboveBytes}
 * the node is under pressure, and a connection with more than {@code backlogBytes} unsent is dropped
 * at once (its unsent frames freed with it); below {@code belowBytes()} the pressure is off again.
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

    /** The JDK's pool of direct buffers (those of {@code ByteBuffer.allocateDirect}), or null if it has none. */
    private static final BufferPoolMXBean JDK_DIRECT = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(pool -> "direct".equals(pool.getName())).findFirst().orElse(null);

    /**
     * Direct memory in use in this JVM, or -1 if nothing says: the JDK's direct buffers (the history
     * rings' native blocks, and Netty's buffers where Netty allocates them through the JDK, as it does
     * on Java 9 and later unless it is given reflective access), plus Netty's own count where Netty
     * allocates past the JDK's. Netty counts the buffers it makes through the JDK too, so there the
     * larger of the two is taken, not their sum (which counted every network buffer twice). Each is
     * what its own limit is checked against when the next buffer is made. Two counter reads, no
     * allocation.
     */
    public static long directMemoryInUse() {
        long jdk = JDK_DIRECT == null ? -1 : JDK_DIRECT.getMemoryUsed();
        long netty = PlatformDependent.usedDirectMemory(); // -1 where Netty keeps no count
        if (jdk < 0 && netty < 0) {
            return -1;
        }
        return PlatformDependent.useDirectBufferNoCleaner() ? Math.max(0, jdk) + Math.max(0, netty) : Math.max(jdk, netty);
    }

    public long belowBytes() { return (long) (aboveBytes * RELEASE_AT); }

    /** Whether the node is under pressure with {@code usedBytes} in use, given whether it was. */
    public boolean pressed(boolean was, long usedBytes) {
        return was ? usedBytes >= belowBytes() : usedBytes > aboveBytes;
    }
}
