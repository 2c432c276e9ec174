package dev.hubbub.core.history;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.Message;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One channel's kept messages, oldest first, packed into blocks of bytes rather than held as message
 * objects: each message's fields are written as bytes into the newest of a queue of segments, and
 * its timestamp and place in them go in a ring of fixed-size slots. Small segments live on the
 * heap; large ones off it ({@link RingMemory}). A channel that keeps its history for minutes at
 * thousands of messages a second then costs the collector nothing per message: nothing is
 * allocated per message, and the history a busy node keeps is never copied out of the young
 * generation nor walked by a full collection.
 *
 * <p>Segments, not one block: a growing ring opens a segment of up to {@link #SEGMENT_MAX} bytes
 * and hands the oldest back once its messages are gone, so it never copies what it holds. One
 * block grown by half again at a time had every byte kept written about three times over (zeroed
 * by the allocator, faulted in, copied on), which was 5-10% of a busy node's CPU while its
 * channels filled. Segments are sized at random (1 to 1.5 times a base), for the reason slots
 * grow at a random count: channels publishing at one rate would otherwise all open one in the
 * same round of appends.
 *
 * <p>Every field comes back exactly as it went in. Strings whose characters all fit in one byte are
 * kept one byte a character, others as UTF-16 (so even an unpaired surrogate survives); binary
 * data is kept as it is; {@code extras} (rare, and a tree) is kept by reference. The serial is not
 * kept: it is the log's epoch and the message's offset, made again on the way out.
 *
 * <p>Not thread-safe: the owner guards it (the channel's monitor). A ring's blocks may be native
 * memory that is freed the moment they are let go, so nothing outside the ring ever holds them.
 */
final class MessageRing {
    /** What a message costs against the byte bounds beyond its packed bytes: its slot, and some slack. */
    static final int ENTRY_OVERHEAD = 32;
    /** A segment's base size at most: it then holds about a hundred small messages. */
    static final int SEGMENT_MAX = 16 * 1024;
    /**
     * A slot: the offset (8 bytes), the timestamp (8), the segment's number (4), where its bytes start
     * in it (4) and their length (4), then 4 spare (a power of two keeps a slot in one cache line).
     */
    private static final int SLOT_BYTES = 32;
    private static final int TIMESTAMP_AT = 8;
    private static final int SEGMENT_AT = 16;
    private static final int START_AT = 20;
    private static final int LENGTH_AT = 24;
    /** A timestamp slot for a message without one. */
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;
    private static final int MIN_SLOTS = 8;
    private static final int MIN_BYTES = 1024;
    private static final ByteBuffer[] NO_SEGMENTS = new ByteBuffer[0];

    // the entries: a ring of `slotCapacity` slots (a power of two), the first at `head`, `count` of them
    private ByteBuffer slots = RingMemory.EMPTY;
    private int slotCapacity;
    private int slotLimit;                     // the count at which the slots grow: see resizeSlots
    private JsonNode[] extras;                 // made at the first message with extras
    private int head;
    private int count;

    // the bytes: a queue of `segmentCount` segments in a ring of them (a power of two), the oldest at
    // `segmentHead` with the number `firstSegment` (numbers run on by one per segment opened); each
    // entry's bytes are contiguous in one segment, and `end` is where the newest entry's bytes end
    private ByteBuffer[] segments = NO_SEGMENTS;
    private int segmentHead;
    private int segmentCount;
    private int firstSegment;
    private int end;
    private long segmentBytes;                 // the segments' capacity
    private long packedBytes;                  // the live entries' bytes (what the ring holds, not its capacity)

    /** One scratch packer per thread: a ring is used by whichever thread holds its channel's monitor. */
    private static final ThreadLocal<RingPacker> PACKER = ThreadLocal.withInitial(RingPacker::new);

    int size() { return count; }

    boolean isEmpty() { return count == 0; }

    /** Appends {@code m} at {@code offset}; returns what it costs against the byte bounds. */
    int add(long offset, Message m) {
        RingPacker packer = PACKER.get();
        int n = packer.pack(m);
        if (count >= slotLimit) {
            resizeSlots(Math.max(MIN_SLOTS, slotCapacity * 2));
        }
        if (segmentCount == 0 || newest().capacity() - end < n) {
            openSegment(n);
        }
        int at = end;
        newest().put(at, packer.buf, 0, n);
        int slot = slot(count);
        int base = slot * SLOT_BYTES;
        slots.putLong(base, offset);
        slots.putLong(base + TIMESTAMP_AT, m.timestamp() == null ? NO_TIMESTAMP : m.timestamp());
        slots.putInt(base + SEGMENT_AT, firstSegment + segmentCount - 1);
        slots.putInt(base + START_AT, at);
        slots.putInt(base + LENGTH_AT, n);
        if (m.extras() != null) {
            if (extras == null) {
                extras = new JsonNode[slotCapacity];
            }
            extras[slot] = m.extras();
        }
        count++;
        end = at + n;
        packedBytes += n;
        return cost(slot);
    }

    /** The oldest entry's offset. */
    long firstOffset() { return offsetAt(head); }

    /** The {@code i}-th entry's (0: the oldest) offset. */
    long offset(int i) { return offsetAt(slot(i)); }

    /** The {@code i}-th entry's timestamp, or {@code absent} when it has none. */
    long timestampOr(int i, long absent) {
        long ts = timestampAt(slot(i));
        return ts == NO_TIMESTAMP ? absent : ts;
    }

    /** What the oldest entry costs against the byte bounds (what {@link #add} returned for it). */
    int firstCost() { return cost(head); }

    /**
     * Drops the oldest entry; its segment goes once the entries after it are in a later one, the slots
     * and a ring's last segment shrink when mostly empty, and everything goes when nothing is left.
     */
    void removeFirst() {
        int segment = segmentAt(head);
        packedBytes -= lengthAt(head);
        if (extras != null) {
            extras[head] = null;
        }
        head = (head + 1) & (slotCapacity - 1);
        count--;
        if (count == 0) {
            clear();
            return;
        }
        if (segmentAt(head) != segment) { // every segment holds an entry: the oldest is now empty
            releaseOldestSegment();
        }
        if (slotCapacity > MIN_SLOTS && count < slotCapacity / 4) {
            resizeSlots(slotCapacity / 2);
        } else if (segmentCount == 1 && newest().capacity() > MIN_BYTES && packedBytes < newest().capacity() / 4) {
            repack(newest().capacity() / 2);
        }
    }

    /** The {@code i}-th entry (0: the oldest) as a message again, its serial of {@code epoch}. */
    Message get(int i, String epoch) {
        int slot = slot(i);
        long ts = timestampAt(slot);
        RingPacker packer = PACKER.get();
        byte[] bytes = packer.copyIn(segment(segmentAt(slot)), startAt(slot), lengthAt(slot));
        return packer.unpack(bytes, 0, ts == NO_TIMESTAMP ? null : ts, extras == null ? null : extras[slot],
                new ChannelSerial(epoch, offsetAt(slot)).wire());
    }

    /** The ring's capacity in bytes, its slots included (for tests and estimates). */
    long capacityBytes() {
        return segmentBytes + slots.capacity() + (extras == null ? 0 : 4L * extras.length);
    }

    /** The part of {@link #capacityBytes} held off the heap. */
    long offHeapBytes() {
        long off = slots.isDirect() ? slots.capacity() : 0;
        for (int i = 0; i < segmentCount; i++) {
            ByteBuffer s = segments[(segmentHead + i) & (segments.length - 1)];
            off += s.isDirect() ? s.capacity() : 0;
        }
        return off;
    }

    /** Segments held (for tests). */
    int segmentCount() { return segmentCount; }

    private long offsetAt(int slot) { return slots.getLong(slot * SLOT_BYTES); }

    private long timestampAt(int slot) { return slots.getLong(slot * SLOT_BYTES + TIMESTAMP_AT); }

    private int segmentAt(int slot) { return slots.getInt(slot * SLOT_BYTES + SEGMENT_AT); }

    private int startAt(int slot) { return slots.getInt(slot * SLOT_BYTES + START_AT); }

    private int lengthAt(int slot) { return slots.getInt(slot * SLOT_BYTES + LENGTH_AT); }

    private int cost(int slot) {
        return lengthAt(slot) + ENTRY_OVERHEAD + (extras != null && extras[slot] != null ? extrasCost(extras[slot]) : 0);
    }

    /** A tree costs several times its text; extras are rare and small (they count in the size limit). */
    private static int extrasCost(JsonNode extras) {
        return 64 + 4 * extras.toString().length();
    }

    private int slot(int i) { return (head + i) & (slotCapacity - 1); }

    /** The segment numbered {@code number} (one the ring holds). */
    private ByteBuffer segment(int number) {
        return segments[(segmentHead + (number - firstSegment)) & (segments.length - 1)];
    }

    private ByteBuffer newest() { return segments[(segmentHead + segmentCount - 1) & (segments.length - 1)]; }

    /**
     * Opens a segment after the newest for an entry of {@code n} bytes: about as large as what the
     * ring holds (from 1 KiB, at most {@link #SEGMENT_MAX}), times 1 to 1.5 at random, and never
     * smaller than the entry. A small ring thus wastes little, and a large one opens a segment every
     * hundred or so small messages.
     */
    private void openSegment(int n) {
        long holding = packedBytes + n;
        int base = (int) Math.min(SEGMENT_MAX, Math.max(MIN_BYTES, Long.highestOneBit(holding)));
        int capacity = Math.max(n, base + ThreadLocalRandom.current().nextInt(base / 2 + 1));
        if (segmentCount == segments.length) {
            ByteBuffer[] bigger = new ByteBuffer[Math.max(4, segments.length * 2)];
            for (int i = 0; i < segmentCount; i++) {
                bigger[i] = segments[(segmentHead + i) & (segments.length - 1)];
            }
            segments = bigger;
            segmentHead = 0;
        }
        segments[(segmentHead + segmentCount) & (segments.length - 1)] = RingMemory.allocate(capacity);
        segmentCount++;
        segmentBytes += capacity;
        end = 0;
    }

    private void releaseOldestSegment() {
        ByteBuffer oldest = segments[segmentHead];
        segments[segmentHead] = null;
        segmentHead = (segmentHead + 1) & (segments.length - 1);
        segmentCount--;
        firstSegment++;
        segmentBytes -= oldest.capacity();
        RingMemory.release(oldest);
    }

    /** Moves the live entries' bytes (all in the one segment left) to the start of a new one of {@code capacity}. */
    private void repack(int capacity) {
        ByteBuffer from = segments[segmentHead];
        ByteBuffer moved = RingMemory.allocate(Math.max(MIN_BYTES, capacity));
        int at = 0;
        for (int i = 0; i < count; i++) {
            int base = slot(i) * SLOT_BYTES;
            int length = slots.getInt(base + LENGTH_AT);
            moved.put(at, from, slots.getInt(base + START_AT), length);
            slots.putInt(base + START_AT, at);
            at += length;
        }
        segments[segmentHead] = moved;
        segmentBytes += moved.capacity() - from.capacity();
        end = at;
        RingMemory.release(from);
    }

    /** Copies the slots into a ring of {@code capacity} (a power of two), the oldest at 0. */
    private void resizeSlots(int capacity) {
        ByteBuffer moved = RingMemory.allocate(capacity * SLOT_BYTES);
        // the live slots are at most two runs: from head to the end of the ring, then from 0
        int firstRun = Math.min(count, slotCapacity - head);
        if (firstRun > 0) {
            moved.put(0, slots, head * SLOT_BYTES, firstRun * SLOT_BYTES);
        }
        if (count > firstRun) {
            moved.put(firstRun * SLOT_BYTES, slots, 0, (count - firstRun) * SLOT_BYTES);
        }
        if (extras != null) {
            JsonNode[] x = new JsonNode[capacity];
            for (int i = 0; i < count; i++) {
                x[i] = extras[slot(i)];
            }
            extras = x;
        }
        ByteBuffer old = slots;
        slots = moved;
        slotCapacity = capacity;
        // the next growth comes at a random count in the last quarter, for the reason segments have a
        // random size: a power of two cannot be random, when it is reached can
        slotLimit = capacity - ThreadLocalRandom.current().nextInt(capacity / 4 + 1);
        head = 0;
        RingMemory.release(old);
    }

    private void clear() {
        RingMemory.release(slots);
        while (segmentCount > 0) {
            releaseOldestSegment();
        }
        slots = RingMemory.EMPTY;
        segments = NO_SEGMENTS;
        segmentHead = 0;
        firstSegment = 0;
        slotCapacity = 0;
        slotLimit = 0;
        extras = null;
        head = 0;
        count = 0;
        end = 0;
        packedBytes = 0;
    }
}
