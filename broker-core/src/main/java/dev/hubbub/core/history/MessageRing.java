package dev.hubbub.core.history;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.Message;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One channel's kept messages, oldest first, packed into a few arrays rather than held as message
 * objects: each message's fields are written as bytes into one ring of bytes, and its position,
 * timestamp and place in that ring go in parallel primitive arrays. A channel that keeps its
 * history for minutes at thousands of messages a second then costs the collector a handful of
 * arrays instead of half a dozen objects per message: nothing is allocated per message once the
 * ring has grown to the channel's rate, so kept messages never pile up in the old generation for a
 * full collection to walk (which had paused a busy node for over half a second every few seconds).
 *
 * <p>Every field comes back exactly as it went in. Strings whose characters all fit in one byte are
 * kept one byte a character, others as UTF-16 (so even an unpaired surrogate survives); binary
 * data is kept as it is; {@code extras} (rare, and a tree) is kept by reference. The serial is not
 * kept: it is the log's epoch and the message's offset, made again on the way out.
 *
 * <p>Not thread-safe: the owner guards it (the channel's monitor).
 */
final class MessageRing {
    /** Heap per message beyond its packed bytes: its slots in the parallel arrays, and some slack. */
    static final int ENTRY_OVERHEAD = 32;
    /** A timestamp slot for a message without one. */
    private static final long NO_TIMESTAMP = Long.MIN_VALUE;
    private static final int MIN_SLOTS = 8;
    private static final int MIN_BYTES = 1024;

    // the entries: a ring of slots, first at `head`, `count` of them; empty arrays until the first add
    private long[] offsets = new long[0];
    private long[] timestamps = new long[0];
    private int[] starts = new int[0];
    private int[] lengths = new int[0];
    private JsonNode[] extras;                 // made at the first message with extras
    private int head;
    private int count;

    // the bytes: each entry's bytes are contiguous; `end` is where the newest entry's bytes end
    private byte[] data = new byte[0];
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
        if (count == offsets.length) {
            resizeSlots(Math.max(MIN_SLOTS, offsets.length * 2));
        }
        int at = place(n);
        System.arraycopy(packer.buf, 0, data, at, n);
        int slot = slot(count);
        offsets[slot] = offset;
        timestamps[slot] = m.timestamp() == null ? NO_TIMESTAMP : m.timestamp();
        starts[slot] = at;
        lengths[slot] = n;
        if (m.extras() != null) {
            if (extras == null) {
                extras = new JsonNode[offsets.length];
            }
            extras[slot] = m.extras();
        }
        count++;
        end = at + n;
        packedBytes += n;
        return cost(slot);
    }

    /** The oldest entry's offset. */
    long firstOffset() { return offsets[head]; }

    /** The {@code i}-th entry's (0: the oldest) offset. */
    long offset(int i) { return offsets[slot(i)]; }

    /** The {@code i}-th entry's timestamp, or {@code absent} when it has none. */
    long timestampOr(int i, long absent) {
        long ts = timestamps[slot(i)];
        return ts == NO_TIMESTAMP ? absent : ts;
    }

    /** What the oldest entry costs against the byte bounds (what {@link #add} returned for it). */
    int firstCost() { return cost(head); }

    /** Drops the oldest entry; the arrays shrink when mostly empty, and go when nothing is left. */
    void removeFirst() {
        packedBytes -= lengths[head];
        if (extras != null) {
            extras[head] = null;
        }
        head = (head + 1) & (offsets.length - 1);
        count--;
        if (count == 0) {
            clear();
        } else if (offsets.length > MIN_SLOTS && count < offsets.length / 4) {
            resizeSlots(offsets.length / 2);
        } else if (data.length > MIN_BYTES && packedBytes < data.length / 4) {
            repack(data.length / 2);
        }
    }

    /** The {@code i}-th entry (0: the oldest) as a message again, its serial of {@code epoch}. */
    Message get(int i, String epoch) {
        int slot = slot(i);
        long ts = timestamps[slot];
        return PACKER.get().unpack(data, starts[slot], ts == NO_TIMESTAMP ? null : ts, extras == null ? null : extras[slot],
                new ChannelSerial(epoch, offsets[slot]).wire());
    }

    /** The ring's capacity in bytes, its slots included (for tests and estimates). */
    long capacityBytes() {
        return data.length + (long) offsets.length * (8 + 8 + 4 + 4 + (extras == null ? 0 : 4));
    }

    private int cost(int slot) {
        return lengths[slot] + ENTRY_OVERHEAD + (extras != null && extras[slot] != null ? extrasCost(extras[slot]) : 0);
    }

    /** A tree costs several times its text; extras are rare and small (they count in the size limit). */
    private static int extrasCost(JsonNode extras) {
        return 64 + 4 * extras.toString().length();
    }

    private int slot(int i) { return (head + i) & (offsets.length - 1); }

    /** Where {@code n} more bytes go, after the newest entry's (wrapping to 0 when the end is short), growing when full. */
    private int place(int n) {
        if (count == 0) {
            if (data.length < n) {
                data = new byte[Math.max(MIN_BYTES, Integer.highestOneBit(n - 1) << 1)];
            }
            return 0;
        }
        int first = starts[head];
        if (end > first) {                                         // not wrapped: free at the end, then before the first
            if (data.length - end >= n) {
                return end;
            }
            if (first >= n) {
                return 0;
            }
        } else if (first - end >= n) {                             // wrapped: free between the newest and the oldest
            return end;
        }
        long needed = packedBytes + n;
        // the same size when only the gaps were in the way; else half as much again as needed (not
        // double: the room grown into is memory the byte bounds do not count)
        repack((int) Math.min(Integer.MAX_VALUE - 8, needed + needed / 4 <= data.length ? data.length : needed + needed / 2));
        return end;
    }

    /** Moves the live entries' bytes, oldest first, to the start of a new array of {@code capacity}. */
    private void repack(int capacity) {
        byte[] moved = new byte[Math.max(MIN_BYTES, capacity)];
        int at = 0;
        for (int i = 0; i < count; i++) {
            int slot = slot(i);
            System.arraycopy(data, starts[slot], moved, at, lengths[slot]);
            starts[slot] = at;
            at += lengths[slot];
        }
        data = moved;
        end = at;
    }

    /** Copies the slots into arrays of {@code capacity} (a power of two), the oldest at 0. */
    private void resizeSlots(int capacity) {
        long[] o = new long[capacity];
        long[] t = new long[capacity];
        int[] s = new int[capacity];
        int[] l = new int[capacity];
        JsonNode[] x = extras == null ? null : new JsonNode[capacity];
        for (int i = 0; i < count; i++) {
            int slot = slot(i);
            o[i] = offsets[slot];
            t[i] = timestamps[slot];
            s[i] = starts[slot];
            l[i] = lengths[slot];
            if (x != null) {
                x[i] = extras[slot];
            }
        }
        offsets = o;
        timestamps = t;
        starts = s;
        lengths = l;
        extras = x;
        head = 0;
    }

    private void clear() {
        offsets = new long[0];
        timestamps = new long[0];
        starts = new int[0];
        lengths = new int[0];
        extras = null;
        head = 0;
        count = 0;
        data = new byte[0];
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
