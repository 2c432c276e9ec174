package dev.hubbub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.transport.ws.BacklogLimit;
import org.junit.jupiter.api.Test;

class MemoryPressureTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void pressureStartsAboveTheMarkAndEndsOnlyWellBelowIt() {
        MemoryPressure p = new MemoryPressure(100 * MIB, MIB);
        assertEquals(75 * MIB, p.belowBytes());
        assertFalse(p.pressed(false, 100 * MIB), "at the mark: not yet");
        assertTrue(p.pressed(false, 100 * MIB + 1), "over it");
        assertTrue(p.pressed(true, 90 * MIB), "just under the mark it stays on: no flapping");
        assertTrue(p.pressed(true, 75 * MIB));
        assertFalse(p.pressed(true, 75 * MIB - 1), "below three quarters it ends");
        assertFalse(p.pressed(false, 90 * MIB), "and does not start again until over the mark");
    }

    @Test
    void marksBelow64KiBAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MemoryPressure(1000, MIB));
        assertThrows(IllegalArgumentException.class, () -> new MemoryPressure(MIB, 1000));
    }

    @Test
    void theDefaultMarkIsThreeQuartersOfTheDirectMemoryNettyMayUse() {
        MemoryPressure d = MemoryPressure.defaults();
        assertEquals(MemoryPressure.directMemoryLimit() / 4 * 3, d.aboveBytes());
        assertEquals(MemoryPressure.DEFAULT_BACKLOG_BYTES, d.backlogBytes());
        assertEquals(d, ListenerLimits.defaults().memoryPressure());
    }

    /**
     * The figure the pressure is judged on counts every direct buffer that counts against the JVM's limit: the history
     * rings' blocks ({@code ByteBuffer.allocateDirect}) as well as the network buffers. The allocator's own figure,
     * used before, saw only the second.
     */
    @Test
    void directMemoryInUseCountsTheJdksDirectBuffersAndNettys() {
        assertTrue(MemoryPressure.directMemoryInUse() >= 0, "this JVM says");
        // other tests' buffers may be freed (or taken) meanwhile: each is measured up to five times, and one clean
        // reading passes; the figure without the JDK's buffers moves by 0 for the first, counting Netty's twice by 64 MiB
        assertTrue(movesByOnce(() -> {
            java.nio.ByteBuffer ring = java.nio.ByteBuffer.allocateDirect(Math.toIntExact(32 * MIB));
            return () -> io.netty.util.internal.PlatformDependent.freeDirectBuffer(ring);
        }), "a JDK direct buffer (as the history rings make) counts once");
        assertTrue(movesByOnce(() -> {
            io.netty.buffer.ByteBuf network = io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(Math.toIntExact(32 * MIB));
            return network::release;
        }), "a Netty buffer counts once");
    }

    /** Whether taking a 32 MiB buffer moved the figure by 32 MiB (within 4 MiB) in one of five tries. */
    private static boolean movesByOnce(java.util.function.Supplier<Runnable> take) {
        java.util.List<Long> moves = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            long before = MemoryPressure.directMemoryInUse();
            Runnable free = take.get();
            long moved = MemoryPressure.directMemoryInUse() - before;
            free.run();
            moves.add(moved);
            if (Math.abs(moved - 32 * MIB) <= 4 * MIB) {
                return true;
            }
        }
        System.err.println("moves: " + moves);
        return false;
    }

    @Test
    void aConnectionMayHaveLessUnsentWhileTheNodeIsUnderPressure() {
        BacklogLimit limit = new BacklogLimit(8 * MIB, MIB);
        assertEquals(8 * MIB, limit.bytes());
        assertTrue(limit.press(true), "a change");
        assertEquals(MIB, limit.bytes());
        assertTrue(limit.pressed());
        assertFalse(limit.press(true), "no change");
        assertTrue(limit.press(false));
        assertEquals(8 * MIB, limit.bytes());

        assertEquals(64 * 1024, new BacklogLimit(64 * 1024, MIB).underPressureBytes(), "never more than the limit itself");
        BacklogLimit fixed = BacklogLimit.fixed(8 * MIB);
        fixed.press(true);
        assertEquals(8 * MIB, fixed.bytes(), "a fixed limit stays");
    }
}
