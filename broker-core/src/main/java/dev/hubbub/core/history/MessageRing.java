package dev.hubbub.core.history;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One channel's kept messages, oldest first, packed into two blocks of bytes rather than held as
 * message objects: each message's fields are written as bytes into a ring of bytes, and its
 * position, timestamp and place in that ring go in a ring of fixed-size slots. Small rings live on
 * the heap; large ones off it ({@link RingMemory}). A channel that keeps its history for minutes at
 * thousands of messages a second then costs the collector nothing per message: nothing is
 * allocated per message once the ring has grown to the channel's rate, and the history a busy node
 * keeps is never copied out of the young generation nor walked by a full collection.
 *
 * <p>Every field comes back exactly as it went in. Strings whose characters all fit in one byte are
 * kept one byte a character, others as UTF-16 (so even an unpaired surrogate survives); binary
 * data is kept as it is; {@code extras} (rare, and a tree) is kept by reference. The serial is not
 * kept: it is the log's epoch and the message's offset, made again on the way out.
 *
 * <p>Not thread-safe: the owner guards it (the channel's monitor). A ring's blocks may be native
 * memory that is freed the moment they are replaced, so nothing outside the ring ever holds them.
 */
final class MessageRing {
    /** What a message costs against the byte bounds beyond its packed bytes: its slot, and some slack. */
    static final int ENTRY_OVERHEAD = 32;
    /** A slot: the offset (8 bytes), the timestamp (8), where its bytes start (4) and their length (4). */
    private static final int SLOT_BYTES = 24;
    private static final int TIMESTAMP_AT = 8;
    private static final int START_AT = 16;
    private static final int LENGTH_AT = 20;
    /** A timestamp slot for a message without one. */
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;
    private static final int MIN_SLOTS = 8;
    private static final int MIN_BYTES = 1024;

    // the entries: a ring of `slotCapacity` slots (a power of two), the first at `head`, `count` of them
    private ByteBuffer slots = RingMemory.EMPTY;
    private int slotCapacity;
    private int slotLimit;                     // the count at which the slots grow: see resizeSlots
    private JsonNode[] extras;                 // made at the first message with extras
    private int head;
    private int count;
    /**
     * Where the oldest entry's bytes start (its slot's start, kept here too): every append asks, and
     * while a ring grows its oldest slot is otherwise a cache line touched for that alone.
     */
    private int firstStart;

    // the bytes: each entry's bytes are contiguous; `end` is where the newest entry's bytes end
    private ByteBuffer data = RingMemory.EMPTY;
    private int end;
    private long packedBytes;                  // the live entries' bytes (what the ring holds, not its capacity)

    /** One scratch packer per thread: a ring is used by whichever thread holds its channel's monitor. */
    private static final ThreadLocal<Packer> PACKER = ThreadLocal.withInitial(Packer::new);

    int size() { return count; }

    boolean isEmpty() { return count == 0; }

    /** Appends {@code m} at {@code offset}; returns what it costs against the byte bounds. */
    int add(long offset, Message m) {
        Packer packer = PACKER.get();
        int n = packer.pack(m);
        if (count >= slotLimit) {
            resizeSlots(Math.max(MIN_SLOTS, slotCapacity * 2));
        }
        int at = place(n);
        data.put(at, packer.buf, 0, n);
        int slot = slot(count);
        int base = slot * SLOT_BYTES;
        slots.putLong(base, offset);
        slots.putLong(base + TIMESTAMP_AT, m.timestamp() == null ? NO_TIMESTAMP : m.timestamp());
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

    /** Drops the oldest entry; the blocks shrink when mostly empty, and go when nothing is left. */
    void removeFirst() {
        packedBytes -= lengthAt(head);
        if (extras != null) {
            extras[head] = null;
        }
        head = (head + 1) & (slotCapacity - 1);
        count--;
        if (count > 0) {
            firstStart = startAt(head);
        }
        if (count == 0) {
            clear();
        } else if (slotCapacity > MIN_SLOTS && count < slotCapacity / 4) {
            resizeSlots(slotCapacity / 2);
        } else if (data.capacity() > MIN_BYTES && packedBytes < data.capacity() / 4) {
            repack(data.capacity() / 2);
        }
    }

    /** The {@code i}-th entry (0: the oldest) as a message again, its serial of {@code epoch}. */
    Message get(int i, String epoch) {
        int slot = slot(i);
        long ts = timestampAt(slot);
        Packer packer = PACKER.get();
        byte[] bytes = packer.copyIn(data, startAt(slot), lengthAt(slot));
        return packer.unpack(bytes, 0, ts == NO_TIMESTAMP ? null : ts, extras == null ? null : extras[slot],
                new ChannelSerial(epoch, offsetAt(slot)).wire());
    }

    /** The ring's capacity in bytes, its slots included (for tests and estimates). */
    long capacityBytes() {
        return data.capacity() + slots.capacity() + (extras == null ? 0 : 4L * extras.length);
    }

    /** The part of {@link #capacityBytes} held off the heap. */
    long offHeapBytes() {
        return (data.isDirect() ? data.capacity() : 0) + (slots.isDirect() ? slots.capacity() : 0);
    }

    private long offsetAt(int slot) { return slots.getLong(slot * SLOT_BYTES); }

    private long timestampAt(int slot) { return slots.getLong(slot * SLOT_BYTES + TIMESTAMP_AT); }

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

    /** Where {@code n} more bytes go, after the newest entry's (wrapping to 0 when the end is short), growing when full. */
    private int place(int n) {
        if (count == 0) {
            if (data.capacity() < n) {
                replaceData(RingMemory.allocate(Math.max(MIN_BYTES, Integer.highestOneBit(n - 1) << 1)));
            }
            firstStart = 0;
            return 0;
        }
        int first = firstStart;
        int capacity = data.capacity();
        if (end > first) {                                         // not wrapped: free at the end, then before the first
            if (capacity - end >= n) {
                return end;
            }
            if (first >= n) {
                return 0;
            }
        } else if (first - end >= n) {                             // wrapped: free between the newest and the oldest
            return end;
        }
        long needed = packedBytes + n;
        // the same size when only the gaps were in the way; else 1.25 to 1.75 times what is needed (not
        // double: the room grown into is memory the byte bounds do not count), at random: channels
        // publishing at one rate fill their rings in step, and grown by one factor they all repacked
        // within the same few milliseconds (a thousand channels: ~160 MB copied in one 50 ms burst,
        // seconds of backlog on the loop); a random factor spreads them over the fill
        repack((int) Math.min(Integer.MAX_VALUE - 8, needed + needed / 4 <= capacity ? capacity
                : needed + needed / 4 + ThreadLocalRandom.current().nextLong(needed / 2 + 1)));
        return end;
    }

    /** Moves the live entries' bytes, oldest first, to the start of a new block of {@code capacity}. */
    private void repack(int capacity) {
        ByteBuffer moved = RingMemory.allocate(Math.max(MIN_BYTES, capacity));
        int at = 0;
        for (int i = 0; i < count; i++) {
            int base = slot(i) * SLOT_BYTES;
            int length = slots.getInt(base + LENGTH_AT);
            moved.put(at, data, slots.getInt(base + START_AT), length);
            slots.putInt(base + START_AT, at);
            at += length;
        }
        replaceData(moved);
        end = at;
        firstStart = 0;
    }

    private void replaceData(ByteBuffer replacement) {
        ByteBuffer old = data;
        data = replacement;
        RingMemory.release(old);
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
        // the next growth comes at a random count in the last quarter, for the reason place() grows
        // the bytes by a random factor: a power of two cannot be random, when it is reached can
        slotLimit = capacity - ThreadLocalRandom.current().nextInt(capacity / 4 + 1);
        head = 0;
        RingMemory.release(old);
    }

    private void clear() {
        RingMemory.release(slots);
        RingMemory.release(data);
        slots = RingMemory.EMPTY;
        data = RingMemory.EMPTY;
        slotCapacity = 0;
        slotLimit = 0;
        extras = null;
        head = 0;
        count = 0;
        end = 0;
        packedBytes = 0;
    }

    /**
     * The packed form of a message: id, clientId, connectionId, connectionKey, name, encoding, data
     * and action, in that order. A string is a varint header (0: null; else 1 + length * 2 + wide)
     * then its characters, one byte each or two when {@code wide}. Data is a tag (0 none, 1 text,
     * 2 binary) then a string, or a varint length and the bytes. Action is a tag (0 none, 1 present)
     * then four bytes.
     */
    static final class Packer {
        byte[] buf = new byte[256];
        private int pos;

        int pack(Message m) {
            pos = 0;
            string(m.id());
            string(m.clientId());
            string(m.connectionId());
            string(m.connectionKey());
            string(m.name());
            string(m.encoding());
            Object d = m.data();
            if (d == null) {
                room(1);
                buf[pos++] = 0;
            } else if (d instanceof String s) {
                room(1);
                buf[pos++] = 1;
                string(s);
            } else {
                byte[] b = (byte[]) d;
                room(6 + b.length);
                buf[pos++] = 2;
                varint(b.length);
                System.arraycopy(b, 0, buf, pos, b.length);
                pos += b.length;
            }
            Integer action = m.action();
            room(5);
            if (action == null) {
                buf[pos++] = 0;
            } else {
                buf[pos++] = 1;
                int a = action;
                buf[pos++] = (byte) (a >>> 24);
                buf[pos++] = (byte) (a >>> 16);
                buf[pos++] = (byte) (a >>> 8);
                buf[pos++] = (byte) a;
            }
            return pos;
        }

        /** {@code length} bytes of {@code from} at {@code at}, copied into this packer's scratch (good until its next use). */
        byte[] copyIn(ByteBuffer from, int at, int length) {
            pos = 0;
            room(length);
            from.get(at, buf, 0, length);
            return buf;
        }

        Message unpack(byte[] in, int at, Long timestamp, JsonNode extras, String serial) {
            pos = at;
            String id = readString(in);
            String clientId = readString(in);
            String connectionId = readString(in);
            String connectionKey = readString(in);
            String name = readString(in);
            String encoding = readString(in);
            Object data;
            byte tag = in[pos++];
            if (tag == 0) {
                data = null;
            } else if (tag == 1) {
                data = readString(in);
            } else {
                int n = readVarint(in);
                data = Arrays.copyOfRange(in, pos, pos + n);
                pos += n;
            }
            Integer action = null;
            if (in[pos++] != 0) {
                action = ((in[pos] & 0xff) << 24) | ((in[pos + 1] & 0xff) << 16) | ((in[pos + 2] & 0xff) << 8) | (in[pos + 3] & 0xff);
                pos += 4;
            }
            return new Message(id, clientId, connectionId, connectionKey, name, data, encoding, extras, timestamp, action, serial);
        }

        private void string(String s) {
            if (s == null) {
                room(1);
                buf[pos++] = 0;
                return;
            }
            int n = s.length();
            boolean wide = false;
            for (int i = 0; i < n; i++) {
                if (s.charAt(i) > 0xff) {
                    wide = true;
                    break;
                }
            }
            room(5 + (wide ? 2 * n : n));
            varint(1 + n * 2 + (wide ? 1 : 0));
            if (wide) {
                for (int i = 0; i < n; i++) {
                    char c = s.charAt(i);
                    buf[pos++] = (byte) (c >>> 8);
                    buf[pos++] = (byte) c;
                }
            } else {
                for (int i = 0; i < n; i++) {
                    buf[pos++] = (byte) s.charAt(i);
                }
            }
        }

        private String readString(byte[] in) {
            int header = readVarint(in);
            if (header == 0) {
                return null;
            }
            int n = (header - 1) >>> 1;
            if (((header - 1) & 1) == 0) {
                String s = new String(in, pos, n, StandardCharsets.ISO_8859_1);
                pos += n;
                return s;
            }
            char[] chars = new char[n];
            for (int i = 0; i < n; i++) {
                chars[i] = (char) (((in[pos] & 0xff) << 8) | (in[pos + 1] & 0xff));
                pos += 2;
            }
            return new String(chars);
        }

        private void varint(int v) {
            while ((v & ~0x7f) != 0) {
                buf[pos++] = (byte) ((v & 0x7f) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        private int readVarint(byte[] in) {
            int v = 0;
            for (int shift = 0; ; shift += 7) {
                byte b = in[pos++];
                v |= (b & 0x7f) << shift;
                if (b >= 0) {
                    return v;
                }
            }
        }

        private void room(int more) {
            if (pos + more > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
            }
        }
    }
}
