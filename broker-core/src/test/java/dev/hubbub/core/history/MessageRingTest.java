package dev.hubbub.core.history;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.protocol.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageRingTest {
    private static final String EPOCH = "abcdefghij";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void assertSameMessage(Message expected, long offset, Message actual) {
        assertEquals(expected.id(), actual.id());
        assertEquals(expected.clientId(), actual.clientId());
        assertEquals(expected.connectionId(), actual.connectionId());
        assertEquals(expected.connectionKey(), actual.connectionKey());
        assertEquals(expected.name(), actual.name());
        assertEquals(expected.encoding(), actual.encoding());
        if (expected.data() instanceof byte[] b) {
            assertArrayEquals(b, (byte[]) actual.data());
        } else {
            assertEquals(expected.data(), actual.data());
        }
        assertSame(expected.extras(), actual.extras());
        assertEquals(expected.timestamp(), actual.timestamp());
        assertEquals(expected.action(), actual.action());
        assertEquals(new ChannelSerial(EPOCH, offset).wire(), actual.serial(), "the serial is made from the epoch and offset");
    }

    // Rule: every field comes back exactly as it went in, whatever its characters: text one byte a
    // character, wider text (an unpaired surrogate too), binary, absent fields, extras, any action.
    @Test
    void everyFieldComesBackAsItWentIn() throws Exception {
        JsonNode extras = JSON.readTree("{\"headers\":{\"k\":\"v\"}}");
        Message[] in = {
            new Message("id-1", "alice", "conn-1", null, "greeting", "hello", null, null, 1_700_000_000_000L, 0, "x:1"),
            new Message(null, null, null, null, null, null, null, null, null, null, null),
            new Message("\u00e9t\u00e9", "\u4e16\u754c", "c", "key-1", "\ud83d\ude00", "caf\u00e9 \ud800 lone", "utf-8", extras, -5L,
                    Integer.MIN_VALUE, null),
            new Message("b", null, "c", null, "bin", new byte[] {0, -1, 127, -128, 42}, "cipher", null, 7L, Integer.MAX_VALUE, null),
            new Message("e", null, null, null, "", "", "", null, 0L, -1, null),
        };
        MessageRing ring = new MessageRing();
        for (int i = 0; i < in.length; i++) {
            ring.add(100 + i, in[i]);
        }
        assertEquals(in.length, ring.size());
        for (int i = 0; i < in.length; i++) {
            assertSameMessage(in[i], 100 + i, ring.get(i, EPOCH));
            assertEquals(100 + i, ring.offset(i));
        }
        assertEquals(Long.MAX_VALUE, ring.timestampOr(1, Long.MAX_VALUE), "no timestamp: the default");
        assertEquals(-5L, ring.timestampOr(2, 0));
    }

    // Rule: large text and binary (bigger than the first arrays) round-trip too.
    @Test
    void largeMessagesRoundTrip() {
        String big = "x".repeat(70_000) + "\u0101";
        byte[] bytes = new byte[100_000];
        new Random(1).nextBytes(bytes);
        MessageRing ring = new MessageRing();
        Message a = new Message("a", null, "c", null, "n", big, null, null, 1L, 0, null);
        Message b = new Message("b", null, "c", null, "n", bytes, null, null, 2L, 0, null);
        ring.add(1, a);
        ring.add(2, b);
        assertSameMessage(a, 1, ring.get(0, EPOCH));
        assertSameMessage(b, 2, ring.get(1, EPOCH));
    }

    // Rule: the cost of an entry is what add returned for it, and removing the oldest hands back the next.
    @Test
    void costAndOrderFollowTheOldest() {
        MessageRing ring = new MessageRing();
        int first = ring.add(1, Message.of("a", "short"));
        int second = ring.add(2, Message.of("b", "a much longer payload than the first"));
        assertTrue(second > first);
        assertEquals(first, ring.firstCost());
        ring.removeFirst();
        assertEquals(second, ring.firstCost());
        assertEquals(2, ring.firstOffset());
        ring.removeFirst();
        assertTrue(ring.isEmpty());
        assertEquals(0, ring.capacityBytes(), "an empty ring holds no arrays");
    }

    // Rule: a long run of adds and removals of mixed sizes, wrapping, growing and shrinking, keeps
    // exactly the messages a plain queue keeps, in order; and the ring stays within a few times
    // what it holds (it shrinks after a burst).
    @Test
    void matchesAQueueThroughWrapsGrowthAndShrinking() {
        Random random = new Random(42);
        MessageRing ring = new MessageRing();
        ArrayDeque<Message> queue = new ArrayDeque<>();
        ArrayDeque<Long> offsets = new ArrayDeque<>();
        ArrayDeque<Integer> costs = new ArrayDeque<>();
        long offset = 0;
        for (int step = 0; step < 60_000; step++) {
            int phase = (step / 5_000) % 3; // grow, steady, drain
            boolean add = phase == 0 ? random.nextInt(10) < 8 : phase == 1 ? random.nextBoolean() : random.nextInt(10) < 2;
            if (add || queue.isEmpty()) {
                int size = random.nextInt(8) == 0 ? random.nextInt(5_000) : random.nextInt(60);
                Object data = random.nextBoolean() ? "p".repeat(size) : new byte[size];
                JsonNode extras = random.nextInt(40) == 0 ? JSON.createObjectNode().put("step", step) : null;
                Message m = new Message("id-" + step, random.nextBoolean() ? "c" + step : null, "conn", null, "n", data, null, extras,
                        (long) step, step % 3, null);
                offset += random.nextInt(20) == 0 ? 2 + random.nextInt(3) : 1; // positions taken by what is not kept (advance)
                int cost = ring.add(offset, m);
                costs.addLast(cost);
                queue.addLast(m);
                offsets.addLast(offset);
            } else {
                assertEquals((int) costs.pollFirst(), ring.firstCost(), "the oldest costs what its add said");
                assertEquals((long) offsets.peekFirst(), ring.firstOffset());
                assertEquals((long) queue.peekFirst().timestamp(), ring.timestampOr(0, -1));
                ring.removeFirst();
                queue.pollFirst();
                offsets.pollFirst();
            }
            if (step % 997 == 0) {
                assertEquals(queue.size(), ring.size());
                Iterator<Message> q = queue.iterator();
                Iterator<Long> o = offsets.iterator();
                for (int i = 0; i < ring.size(); i++) {
                    long at = o.next();
                    assertEquals(at, ring.offset(i));
                    assertSameMessage(q.next(), at, ring.get(i, EPOCH));
                }
            }
        }
        while (ring.size() > 3) {
            ring.removeFirst();
            queue.pollFirst();
            offsets.pollFirst();
        }
        assertEquals(1, ring.segmentCount(), "a few messages are in one segment");
        assertTrue(ring.capacityBytes() < 64 * 1024, "shrunk after draining: " + ring.capacityBytes());
        Iterator<Long> o = offsets.iterator();
        int i = 0;
        for (Message m : queue) {
            assertSameMessage(m, o.next(), ring.get(i++, EPOCH));
        }
    }

    // Rule: a removed entry's extras are let go (the ring keeps no reference past its messages).
    @Test
    void removedExtrasAreNotKept() throws Exception {
        MessageRing ring = new MessageRing();
        ring.add(1, new Message("a", null, null, null, "n", "d", null, JSON.readTree("{\"a\":1}"), 1L, 0, null));
        ring.add(2, Message.of("n", "d"));
        ring.removeFirst();
        assertNull(ring.get(0, EPOCH).extras());
    }

    // Rule: a large ring keeps its bytes and slots off the heap, and hands them back as it drains:
    // a few messages left are back on the heap, and an empty ring holds nothing anywhere.
    @Test
    void largeRingsLiveOffTheHeapAndHandItBack() {
        MessageRing ring = new MessageRing();
        Message[] in = new Message[5_000];
        for (int i = 0; i < in.length; i++) {
            in[i] = new Message("id-" + i, "client", "conn", null, "n", "p".repeat(200) + i, null, null, (long) i, 0, null);
            ring.add(i + 1, in[i]);
        }
        assertTrue(ring.offHeapBytes() >= 5_000L * 200 + 5_000L * 24, "bytes and slots off the heap: " + ring.offHeapBytes());
        for (int i = 0; i < in.length; i += 499) {
            assertSameMessage(in[i], i + 1, ring.get(i, EPOCH));
        }
        while (ring.size() > 3) {
            ring.removeFirst();
        }
        assertEquals(0, ring.offHeapBytes(), "a few messages are kept on the heap again");
        for (int i = 0; i < 3; i++) {
            assertSameMessage(in[in.length - 3 + i], in.length - 3 + i + 1, ring.get(i, EPOCH));
        }
        while (!ring.isEmpty()) {
            ring.removeFirst();
        }
        assertEquals(0, ring.capacityBytes());
    }

    // Rule: what is left of a drained ring is packed into one small segment even when it spans two: the
    // newest segment just opened (one entry in it) while the one before is still large and off the heap.
    // Shrinking only a ring's last segment had kept both here, tens of KB for three messages.
    @Test
    void aDrainedRingSpanningTwoSegmentsIsPackedIntoOne() {
        for (int tail = 1; tail <= 2; tail++) {
            MessageRing ring = new MessageRing();
            List<Message> in = new ArrayList<>();
            int segmentsBefore = 0;
            int newestHolds = 0;
            while (in.size() < 400 || newestHolds != tail) {
                Message m = new Message("id-" + in.size(), "client", "conn", null, "n", "p".repeat(200) + in.size(), null, null,
                        (long) in.size(), 0, null);
                in.add(m);
                ring.add(in.size(), m);
                newestHolds = ring.segmentCount() > segmentsBefore ? 1 : newestHolds + 1;
                segmentsBefore = ring.segmentCount();
            }
            assertTrue(ring.offHeapBytes() > 0, "large segments are off the heap");
            while (ring.size() > 3) {
                ring.removeFirst();
            }
            assertEquals(1, ring.segmentCount(), "three messages, one in the newest segment: " + tail);
            assertEquals(0, ring.offHeapBytes(), "and back on the heap");
            assertTrue(ring.capacityBytes() <= 4 * 1024, "small again: " + ring.capacityBytes());
            for (int i = 0; i < 3; i++) {
                int n = in.size() - 3 + i;
                assertSameMessage(in.get(n), n + 1, ring.get(i, EPOCH));
            }
            ring.add(in.size() + 1, Message.of("n", "after"));
            assertEquals(4, ring.size());
            assertEquals(in.size() + 1, ring.offset(3), "appends after packing land after what was kept");
        }
    }

    // Rule: a growing ring never moves what it holds: it opens segments (slots and bytes together), so the
    // blocks it is handed while it grows are exactly those it ends up holding. One block of bytes and one
    // of slots, each grown by half again or doubled, had every kept byte allocated, zeroed and copied about
    // three times over.
    @Test
    void growingOpensSegmentsAndCopiesNothing() {
        MessageRing ring = new MessageRing();
        long before = RingMemory.allocatedBytes();
        for (int i = 0; i < 20_000; i++) {
            ring.add(i + 1, new Message("id-" + i, "client", "conn", null, "n", "p".repeat(200), null, null, (long) i, 0, null));
        }
        long allocated = RingMemory.allocatedBytes() - before;
        assertTrue(ring.segmentCount() > 100, "segments of at most ~24 KiB: " + ring.segmentCount());
        assertEquals(ring.capacityBytes(), allocated, "every block handed out while growing is still held");
        assertSameMessage(new Message("id-0", "client", "conn", null, "n", "p".repeat(200), null, null, 0L, 0, null), 1,
                ring.get(0, EPOCH));
    }

    // Rule: the oldest segment goes once its last entry does: draining half a large ring hands back about
    // half its segments, and what is left still reads back in order.
    @Test
    void segmentsGoWithTheirOldestEntries() {
        MessageRing ring = new MessageRing();
        Message[] in = new Message[10_000];
        for (int i = 0; i < in.length; i++) {
            in[i] = new Message("id-" + i, null, "conn", null, "n", "q".repeat(150) + i, null, null, (long) i, null, null);
            ring.add(i + 1, in[i]);
        }
        int full = ring.segmentCount();
        for (int i = 0; i < in.length / 2; i++) {
            ring.removeFirst();
        }
        assertTrue(ring.segmentCount() <= full / 2 + 2, full + " segments, then " + ring.segmentCount());
        for (int i = 0; i < ring.size(); i += 97) {
            assertSameMessage(in[in.length / 2 + i], in.length / 2 + i + 1, ring.get(i, EPOCH));
        }
    }

    // Rule: a ring at its bounds (one message in, the oldest out) opens the segment it let go again, as
    // it is, rather than a fresh one: a fresh block was an allocation and a zeroing of every byte (2.7% of
    // a busy node's CPU). What it reads back is what was written since, never the bytes it held before.
    @Test
    void aRingInRotationReopensTheSegmentItLetGo() {
        MessageRing ring = new MessageRing();
        Random random = new Random(7);
        ArrayDeque<Message> kept = new ArrayDeque<>();
        long offset = 0;
        for (int i = 0; i < 3_000; i++) { // ~600 KB: segments at their largest, dozens of them
            Message m = new Message("id-" + i, null, "conn", null, "n", "r".repeat(150 + random.nextInt(100)) + i,
                    null, null, (long) i, null, null);
            ring.add(++offset, m);
            kept.add(m);
        }
        long before = RingMemory.allocatedBytes();
        boolean sawSpare = false;
        for (int i = 0; i < 30_000; i++) {
            Message m = new Message("id-" + offset, null, "conn", null, "n", "s".repeat(50 + random.nextInt(300)) + offset,
                    null, null, offset, null, null);
            ring.add(++offset, m);
            kept.add(m);
            ring.removeFirst();
            kept.removeFirst();
            sawSpare |= ring.hasSpare();
        }
        long allocated = RingMemory.allocatedBytes() - before;
        // ~10 MB went through the ring: without the spare, every byte of it would have been a fresh block
        assertTrue(allocated < 1024 * 1024, "blocks allocated in rotation: " + allocated);
        assertTrue(sawSpare, "a segment let go is kept for the next open");
        long first = offset - kept.size() + 1;
        int i = 0;
        for (Message m : kept) {
            assertSameMessage(m, first + i, ring.get(i, EPOCH));
            i++;
        }
        while (!ring.isEmpty()) {
            ring.removeFirst();
        }
        assertEquals(0, ring.capacityBytes(), "an emptied ring keeps no spare either");
        assertEquals(0, ring.offHeapBytes());
    }

    // Rule: a ring of a few segments keeps no spare (it would be a third or more again of what the ring
    // holds, on every small channel of a node with many), and a ring drained to a few lets its spare go.
    @Test
    void aSmallRingKeepsNoSpare() {
        MessageRing ring = new MessageRing();
        long offset = 0;
        Message m = new Message("id", null, "conn", null, "n", "t".repeat(200), null, null, 1L, null, null);
        for (int i = 0; i < 20; i++) {
            ring.add(++offset, m);
        }
        for (int i = 0; i < 2_000; i++) {
            ring.add(++offset, m);
            ring.removeFirst();
            assertTrue(!ring.hasSpare(), "a ring of " + ring.segmentCount() + " segments keeps no spare");
        }
        for (int i = 0; i < 3_000; i++) {
            ring.add(++offset, m);
        }
        boolean sawSpare = false;
        for (int i = 0; i < 1_000; i++) {
            ring.add(++offset, m);
            ring.removeFirst();
            sawSpare |= ring.hasSpare(); // between letting one go and opening the next
        }
        assertTrue(sawSpare, "a large ring in rotation keeps one");
        while (ring.size() > 30) {
            ring.removeFirst();
        }
        assertTrue(!ring.hasSpare(), "drained to " + ring.segmentCount() + " segments, it lets the spare go");
    }

    // Rule: blocks below the threshold are heap arrays, blocks at it are native; handing back a
    // native block lowers the count of native bytes by its size (and a heap block is left alone).
    @Test
    void blocksGoOffTheHeapFromTheThreshold() {
        assertTrue(!RingMemory.allocate(RingMemory.OFF_HEAP_FROM - 1).isDirect());
        java.nio.ByteBuffer big = RingMemory.allocate(RingMemory.OFF_HEAP_FROM);
        assertTrue(big.isDirect());
        assertEquals(RingMemory.OFF_HEAP_FROM, big.capacity());
        long before = RingMemory.offHeapBytes();
        RingMemory.release(big);
        assertEquals(before - RingMemory.OFF_HEAP_FROM, RingMemory.offHeapBytes());
        RingMemory.release(RingMemory.allocate(16));
        assertEquals(before - RingMemory.OFF_HEAP_FROM, RingMemory.offHeapBytes());
    }

    // Rule: the direct-memory limit rings budget against is the JVM's: -XX:MaxDirectMemorySize when
    // set, else the maximum heap (the test JVM sets none).
    @Test
    void theDirectMemoryLimitIsTheJvmsDefaultWhenUnset() {
        boolean set = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.startsWith("-XX:MaxDirectMemorySize"));
        if (!set) {
            assertEquals(Runtime.getRuntime().maxMemory(), RingMemory.directMemoryLimit());
        }
        assertTrue(RingMemory.directMemoryLimit() > 0);
    }

    // Rule: rings filled in step (channels publishing at one rate) do not all grow at the same append:
    // growth at one factor had a thousand channels copy ~160 MB within one 50 ms of appends, a stall of
    // the loop that showed as seconds of backlog. Past the first few growths, no round of appends may
    // grow more than a quarter of the rings (in step, every ring grows in the same round).
    @Test
    void ringsFilledInStepGrowAtDifferentAppends() {
        int rings = 200;
        MessageRing[] r = new MessageRing[rings];
        long[] capacity = new long[rings];
        for (int i = 0; i < rings; i++) {
            r[i] = new MessageRing();
        }
        Message m = new Message("id", null, "conn-1", null, "name", "x".repeat(100), null, null, 1L, null, null);
        int worst = 0;
        int grown = 0;
        for (int round = 0; round < 3000; round++) {
            int grewNow = 0;
            for (int i = 0; i < rings; i++) {
                r[i].add(round, m);
                long c = r[i].capacityBytes();
                if (c != capacity[i]) {
                    capacity[i] = c;
                    grewNow++;
                }
            }
            if (round >= 100) { // past the first growths (from 1 KiB and 8 slots), which start in step
                worst = Math.max(worst, grewNow);
                grown += grewNow;
            }
        }
        assertTrue(grown > rings, "the rings grew past round 100 (" + grown + " growths)");
        assertTrue(worst <= rings / 4, "at most a quarter of the rings grow in one round; worst was " + worst);
    }
}
