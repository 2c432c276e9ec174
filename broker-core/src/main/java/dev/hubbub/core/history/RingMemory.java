package dev.hubbub.core.history;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory a {@link MessageRing} keeps its bytes in: the heap while a ring is small, native
 * memory once it is large. Kept history is the one thing on a busy node that grows for minutes and
 * then stays; on the heap every megabyte of it was copied out of the young generation, then walked
 * and moved by each full collection while the heap grew to hold it (pauses of 10 to 100 ms on a
 * node taking 20,000 messages a second). Off the heap it costs the collector one small object per
 * ring, and a ring's old block is handed back to the system the moment it is replaced, not when a
 * collection finds it.
 *
 * <p>Handing back uses the JDK's {@code sun.misc.Unsafe.invokeCleaner}; where that is not there,
 * every ring stays on the heap (as before) rather than leave blocks for the collector to free.
 * Rings take at most half of {@code -XX:MaxDirectMemorySize} (by default the maximum heap); past
 * that, or when a native block cannot be had, blocks are made on the heap instead.
 */
final class RingMemory {
    /**
     * Blocks this large or larger live off the heap. Low, because channels at one rate grow their
     * rings in step: a thousand channels resizing their heap-sized slot blocks together had pushed
     * about 48 MB through a few young collections (pauses of 70-170 ms); below 8 KiB that is at
     * most 8 MB.
     */
    static final int OFF_HEAP_FROM = 8 * 1024;

    static final ByteBuffer EMPTY = ByteBuffer.allocate(0).order(ByteOrder.nativeOrder());

    private static final MethodHandle FREE = freer();
    private static final AtomicLong OFF_HEAP = new AtomicLong();
    private static final AtomicLong ALLOCATED = new AtomicLong();
    /**
     * At most half the JVM's direct-memory limit goes to rings, the rest left to the JDK's own
     * buffers: a block asked for past the limit costs a full collection and up to half a second of
     * retries before it is refused, which must never happen on an event loop.
     */
    private static final long BUDGET = directMemoryLimit() / 2;

    private RingMemory() {}

    /** A zeroed block of {@code capacity} bytes in native byte order. */
    static ByteBuffer allocate(int capacity) {
        if (capacity == 0) {
            return EMPTY;
        }
        ALLOCATED.addAndGet(capacity);
        if (capacity >= OFF_HEAP_FROM && FREE != null && OFF_HEAP.get() + capacity <= BUDGET) {
            try {
                ByteBuffer b = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
                OFF_HEAP.addAndGet(capacity);
                return b;
            } catch (OutOfMemoryError directLimit) {
                // past MaxDirectMemorySize: the heap still serves
            }
        }
        return ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder());
    }

    /** Hands {@code b}'s memory back now when it is native; the caller never touches {@code b} again. */
    static void release(ByteBuffer b) {
        if (!b.isDirect()) {
            return;
        }
        OFF_HEAP.addAndGet(-b.capacity());
        try {
            FREE.invokeExact(b);
        } catch (Throwable unexpected) {
            throw new IllegalStateException("could not free a history block", unexpected);
        }
    }

    /** Bytes of blocks handed out so far, heap and native (for tests: what growing a ring writes). */
    static long allocatedBytes() {
        return ALLOCATED.get();
    }

    /** Native bytes held by all rings now. */
    static long offHeapBytes() {
        return OFF_HEAP.get();
    }

    /** -XX:MaxDirectMemorySize, or the maximum heap when it is not set (the JVM's own default). */
    static long directMemoryLimit() {
        long max = Runtime.getRuntime().maxMemory();
        try {
            String set = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("MaxDirectMemorySize").getValue();
            long value = Long.parseLong(set);
            return value > 0 ? value : max;
        } catch (RuntimeException | LinkageError notHotSpot) {
            return max;
        }
    }

    /** Unsafe.invokeCleaner bound to the Unsafe instance, or null when this JDK does not let us have it. */
    private static MethodHandle freer() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            Object unsafe = f.get(null);
            MethodHandle invokeCleaner = MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(unsafe);
            // one try on a block of our own: a JDK that refuses shows it here, not on a ring
            ByteBuffer probe = ByteBuffer.allocateDirect(1);
            invokeCleaner.invokeExact(probe);
            return invokeCleaner;
        } catch (Throwable unavailable) {
            return null;
        }
    }
}
