package dev.hubbub.core.history;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.Message;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One channel's kept messages, oldest first, packed into segments of bytes rather than held as
 * message objects. A segment is laid out like a database page: the messages' fields, packed
 * ({@link RingPacker}), grow from its start, and a fixed-size slot per message (offset, timestamp,
 * where its bytes are) grows down from its end. Small segments live on the heap, large ones off it
 * ({@link RingMemory}). A channel that keeps its history for minutes at thousands of messages a
 * second then costs the collector nothing per message: nothing is allocated per message, and the
 * history a busy node keeps is never copied out of the young generation nor walked by a full
 * collection.
 *
 * <p>A growing ring opens a segment (about as large as what it holds, from 1 KiB to
 * {@link #SEGMENT_MAX}) when the newest is full, and hands the oldest back once its messages are
 * gone: what it holds is never moved. One block of bytes and one ring of slots, each grown by
 * copying into a larger one, had every kept byte allocated, zeroed and copied about three times over
 * while a channel filled (5-10% of a busy node's CPU then). Segments are sized at random (1 to 1.5
 * times their base): channels publishing at one rate would otherwise all open one in the same round
 * of appends. Only a ring down to one mostly empty segment copies, into a smaller one.
 *
 * <p>A ring at its bounds lets go of its oldest segment about as often as it opens a new one. The
 * segment it lets go is kept as its {@link #spare} and opened again in place of a fresh one: a
 * fresh segment cost a native allocation and its release, a cleaner and the JDK's accounting of
 * direct memory besides the zeroing (2.6-3% of a busy node's CPU at 20,000 messages a second on
 * 1,000 channels, with the zeroing). The spare is written over once as it is reopened
 * ({@link #warm}), which a ring that reads only what it wrote does not need, for the cache's sake.
 * Only a ring of {@link #SPARE_FROM} segments or more keeps one, so a spare costs at most a quarter
 * again of what a ring holds, and small rings (most channels of a node with many) keep none.
 *
 * <p>Every field comes back exactly as it went in. Strings whose characters all fit in one byte are
 * kept one byte a character, others as UTF-16 (so even an unpaired surrogate survives); binary
 * data is kept as it is; {@code extras} (rare, and a tree) is kept by reference. The serial is not
 * kept: it is the log's epoch and the message's offset, made again on the way out.
 *
 * <p>Not thread-safe: the owner guards it (the channel's monitor). A ring's segments may be native
 * memory that is freed the moment they are let go, so nothing outside the ring ever holds them.
 */
final class MessageRing {
    /** What a message costs against the byte bounds beyond its packed bytes: its slot, and some slack. */
    static final int ENTRY_OVERHEAD = 32;
    /** A segment's base size at most: it then holds about a hundred small messages. */
    static final int SEGMENT_MAX = 16 * 1024;
    /** A slot: the offset (8 bytes), the timestamp (8), where the bytes start in the segment (4) and their length (4). */
    private static final int SLOT_BYTES = 24;
    private static final int TIMESTAMP_AT = 8;
    private static final int START_AT = 16;
    private static final int LENGTH_AT = 20;
    /** A timestamp slot for a message without one. */
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;
    private static final int MIN_BYTES = 1024;
    /** Segments a ring holds at least, after letting one go, to keep that one as its spare. */
    static final int SPARE_FROM = 4;
    private static final ByteBuffer[] NO_SEGMENTS = new ByteBuffer[0];
    private static final long[] NO_INDEXES = new long[0];

    // Entries are numbered from the ring's first, one number per add, never reused: the i-th live entry is
    // number `first + i`. Segments: `segmentCount` of them in a ring of `segments` (a power of two), the
    // oldest at `segmentHead`; `firstOf` holds, at the same place, the number of each one's first entry.
    private ByteBuffer[] segments = NO_SEGMENTS;
    private long[] firstOf = NO_INDEXES;
    private int segmentHead;
    private int segmentCount;
    private long first;
    private int count;
    private int end;                           // where the newest entry's bytes end in the newest segment
    private long segmentBytes;                 // the segments' capacity
    private long packedBytes;                  // the live entries' bytes (what the ring holds, not its capacity)
    /**
     * The oldest entry's timestamp slot, kept here too: the log asks for it on every append (has the
     * oldest expired?), and in a growing ring the oldest segment is otherwise touched for that alone.
     */
    private long firstTimestamp;
    /** A segment let go in rotation, to be opened again rather than a fresh one; null for none. Never read. */
    private ByteBuffer spare;
    private Map<Long, JsonNode> extras;        // by entry number; made at the first message with extras

    /** One scratch packer per thread: a ring is used by whichever thread holds its channel's monitor. */
    private static final ThreadLocal<RingPacker> PACKER = ThreadLocal.withInitial(RingPacker::new);

    int size() { return count; }

    boolean isEmpty() { return count == 0; }

    /** Appends {@code m} at {@code offset}; returns what it costs against the byte bounds. */
    int add(long offset, Message m) {
        RingPacker packer = PACKER.get();
        int n = packer.pack(m);
        long number = first + count;
        int newest = segmentCount - 1;
        if (newest < 0 || slotAt(newest, number) < end + n) { // the slot goes below, the bytes above
            openSegment(n, number);
            newest = segmentCount - 1;
        }
        ByteBuffer segment = segment(newest);
        int at = end;
        segment.put(at, packer.buf, 0, n);
        long ts = m.timestamp() == null ? NO_TIMESTAMP : m.timestamp();
        writeSlot(segment, slotAt(newest, number), offset, ts, at, n);
        if (count == 0) {
            firstTimestamp = ts;
        }
        int cost = n + ENTRY_OVERHEAD;
        if (m.extras() != null) {
            if (extras == null) {
                extras = new HashMap<>(4);
            }
            extras.put(number, m.extras());
            cost += extrasCost(m.extras());
        }
        count++;
        end = at + n;
        packedBytes += n;
        return cost;
    }

    /** The oldest entry's offset. */
    long firstOffset() { return segment(0).getLong(slotAt(0, first)); }

    /** The {@code i}-th entry's (0: the oldest) offset. */
    long offset(int i) {
        int s = segmentOf(first + i);
        return segment(s).getLong(slotAt(s, first + i));
    }

    /** The {@code i}-th entry's timestamp, or {@code absent} when it has none. */
    long timestampOr(int i, long absent) {
        long ts;
        if (i == 0) {
            ts = firstTimestamp;
        } else {
            int s = segmentOf(first + i);
            ts = segment(s).getLong(slotAt(s, first + i) + TIMESTAMP_AT);
        }
        return ts == NO_TIMESTAMP ? absent : ts;
    }

    /** What the oldest entry costs against the byte bounds (what {@link #add} returned for it). */
    int firstCost() {
        JsonNode x = extras == null ? null : extras.get(first);
        return segment(0).getInt(slotAt(0, first) + LENGTH_AT) + ENTRY_OVERHEAD + (x == null ? 0 : extrasCost(x));
    }

    /**
     * Drops the oldest entry; its segment goes once the entries after it are in a later one, a mostly
     * empty ring is packed into one smaller segment, and everything goes when nothing is left.
     */
    void removeFirst() {
        packedBytes -= segment(0).getInt(slotAt(0, first) + LENGTH_AT);
        if (extras != null && extras.remove(first) != null && extras.isEmpty()) {
            extras = null;
        }
        first++;
        count--;
        if (count == 0) {
            clear();
            return;
        }
        if (segmentCount > 1 && firstOf[(segmentHead + 1) & (segments.length - 1)] == first) {
            ByteBuffer oldest = takeOldestSegment();
            if (segmentCount < SPARE_FROM) {
                RingMemory.release(oldest);
                dropSpare(); // a ring this small keeps none
            } else if (spare == null) {
                spare = oldest;
            } else {
                RingMemory.release(oldest); // one spare is enough: the one kept goes to the next open
            }
        }
        firstTimestamp = segment(0).getLong(slotAt(0, first) + TIMESTAMP_AT);
        long live = packedBytes + (long) count * SLOT_BYTES;
        if (segmentBytes > MIN_BYTES && live < segmentBytes / 4) {
            // Mostly empty: into one segment of at most half the capacity, still four times what is
            // live at most, so it shrinks again only once that has halved. The live entries may span
            // two or three segments here (the newest just opened): each would be kept whole otherwise.
            repack((int) Math.min(segmentBytes / 2, 4 * Long.highestOneBit(live)));
        }
    }

    /** The {@code i}-th entry (0: the oldest) as a message again, its serial of {@code epoch}. */
    Message get(int i, String epoch) {
        long number = first + i;
        int s = segmentOf(number);
        ByteBuffer segment = segment(s);
        int slot = slotAt(s, number);
        long ts = segment.getLong(slot + TIMESTAMP_AT);
        RingPacker packer = PACKER.get();
        byte[] bytes = packer.copyIn(segment, segment.getInt(slot + START_AT), segment.getInt(slot + LENGTH_AT));
        return packer.unpack(bytes, 0, ts == NO_TIMESTAMP ? null : ts, extras == null ? null : extras.get(number),
                new ChannelSerial(epoch, segment.getLong(slot)).wire());
    }

    /** The ring's capacity in bytes, its slots included (for tests and estimates). */
    long capacityBytes() {
        return segmentBytes + (spare == null ? 0 : spare.capacity()) + (extras == null ? 0 : 48L * extras.size());
    }

    /** The part of {@link #capacityBytes} held off the heap. */
    long offHeapBytes() {
        long off = spare != null && spare.isDirect() ? spare.capacity() : 0;
        for (int i = 0; i < segmentCount; i++) {
            off += segment(i).isDirect() ? segment(i).capacity() : 0;
        }
        return off;
    }

    /** Segments held (for tests). */
    int segmentCount() { return segmentCount; }

    /** Whether a spare segment is kept (for tests). */
    boolean hasSpare() { return spare != null; }

    /** A tree costs several times its text; extras are rare and small (they count in the size limit). */
    private static int extrasCost(JsonNode extras) {
        return 64 + 4 * extras.toString().length();
    }

    /** The {@code i}-th segment held (0: the oldest). */
    private ByteBuffer segment(int i) { return segments[(segmentHead + i) & (segments.length - 1)]; }

    /** Where entry {@code number}'s slot is in the {@code i}-th segment, counted down from its end. */
    private int slotAt(int i, long number) {
        return segment(i).capacity() - (int) (number - firstOf[(segmentHead + i) & (segments.length - 1)] + 1) * SLOT_BYTES;
    }

    /** Writes one entry's slot: its offset, timestamp, and where its {@code length} bytes start in the segment. */
    private static void writeSlot(ByteBuffer segment, int slot, long offset, long timestamp, int start, int length) {
        segment.putLong(slot, offset);
        segment.putLong(slot + TIMESTAMP_AT, timestamp);
        segment.putInt(slot + START_AT, start);
        segment.putInt(slot + LENGTH_AT, length);
    }

    /** Which segment (0: the oldest) holds entry {@code number}: the last whose first entry is not after it. */
    private int segmentOf(long number) {
        int lo = 0;
        int hi = segmentCount - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (firstOf[(segmentHead + mid) & (segments.length - 1)] <= number) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Opens a segment after the newest, its first entry {@code number} of {@code n} bytes: about as
     * large as what the ring holds (from 1 KiB, at most {@link #SEGMENT_MAX}), times 1 to 1.5 at
     * random, and never too small for the entry. A small ring thus wastes little, and a large one
     * opens a segment every hundred or so small messages.
     */
    private void openSegment(int n, long number) {
        long holding = packedBytes + (long) (count + 1) * SLOT_BYTES + n;
        int base = (int) Math.min(SEGMENT_MAX, Math.max(MIN_BYTES, Long.highestOneBit(holding)));
        int capacity = Math.max(n + SLOT_BYTES, base + ThreadLocalRandom.current().nextInt(base / 2 + 1));
        if (segmentCount == segments.length) {
            int grown = Math.max(4, segments.length * 2);
            ByteBuffer[] moreSegments = new ByteBuffer[grown];
            long[] moreFirsts = new long[grown];
            for (int i = 0; i < segmentCount; i++) {
                moreSegments[i] = segment(i);
                moreFirsts[i] = firstOf[(segmentHead + i) & (segments.length - 1)];
            }
            segments = moreSegments;
            firstOf = moreFirsts;
            segmentHead = 0;
        }
        int at = (segmentHead + segmentCount) & (segments.length - 1);
        ByteBuffer opened = spare;
        spare = null;
        // the spare when it is a size this open could have chosen: any other goes, the ring having grown or shrunk past it
        if (opened == null || opened.capacity() < Math.max(n + SLOT_BYTES, base) || opened.capacity() > base + base / 2) {
            if (opened != null) {
                RingMemory.release(opened);
            }
            opened = RingMemory.allocate(capacity);
        } else {
            warm(opened);
        }
        capacity = opened.capacity();
        segments[at] = opened;
        firstOf[at] = number;
        segmentCount++;
        segmentBytes += capacity;
        end = 0;
    }

    /**
     * Writes a reused segment over once, front to back, as a fresh block is zeroed: that brings its
     * lines into the cache in one sequential pass. Without it the ring's own writes, one message at a
     * time over the seconds the segment fills, each missed the cache (long since let go, the
     * segment is cold): the slot writes alone grew to 3.9% of a busy node's CPU, more than
     * allocating fresh blocks had cost.
     */
    private static void warm(ByteBuffer segment) {
        for (int at = 0, n = segment.capacity(); at < n; at += ZEROS.length) {
            segment.put(at, ZEROS, 0, Math.min(ZEROS.length, n - at));
        }
    }

    private static final byte[] ZEROS = new byte[4096];

    /** Takes the oldest segment out of the ring; the caller keeps or releases it. */
    private ByteBuffer takeOldestSegment() {
        ByteBuffer oldest = segments[segmentHead];
        segments[segmentHead] = null;
        segmentHead = (segmentHead + 1) & (segments.length - 1);
        segmentCount--;
        segmentBytes -= oldest.capacity();
        return oldest;
    }

    private void dropSpare() {
        if (spare != null) {
            RingMemory.release(spare);
            spare = null;
        }
    }

    /** Moves the live entries, in however many segments, into one new segment of {@code capacity}. */
    private void repack(int capacity) {
        dropSpare();
        int held = segmentCount;
        ByteBuffer[] from = new ByteBuffer[held];
        long[] fromFirst = new long[held];
        for (int i = 0; i < held; i++) {
            from[i] = segment(i);
            fromFirst[i] = firstOf[(segmentHead + i) & (segments.length - 1)];
            segments[(segmentHead + i) & (segments.length - 1)] = null;
        }
        ByteBuffer moved = RingMemory.allocate(Math.max(MIN_BYTES, capacity));
        segments[segmentHead] = moved;
        firstOf[segmentHead] = first;
        segmentCount = 1;
        int s = 0;
        int at = 0;
        for (int i = 0; i < count; i++) {
            long number = first + i;
            while (s + 1 < held && fromFirst[s + 1] <= number) {
                s++;
            }
            int was = from[s].capacity() - (int) (number - fromFirst[s] + 1) * SLOT_BYTES;
            int length = from[s].getInt(was + LENGTH_AT);
            moved.put(at, from[s], from[s].getInt(was + START_AT), length);
            writeSlot(moved, slotAt(0, number), from[s].getLong(was), from[s].getLong(was + TIMESTAMP_AT), at, length);
            at += length;
        }
        segmentBytes = moved.capacity();
        end = at;
        for (ByteBuffer b : from) {
            RingMemory.release(b);
        }
    }

    private void clear() {
        while (segmentCount > 0) {
            RingMemory.release(takeOldestSegment());
        }
        dropSpare();
        segments = NO_SEGMENTS;
        firstOf = NO_INDEXES;
        segmentHead = 0;
        extras = null;
        count = 0;
        end = 0;
        packedBytes = 0;
    }
}
