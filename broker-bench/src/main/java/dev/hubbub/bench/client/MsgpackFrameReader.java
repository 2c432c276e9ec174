package dev.hubbub.bench.client;

import dev.hubbub.bench.run.Payload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@link FrameReader} for MessagePack (maps with string keys; any value type is skipped correctly). */
final class MsgpackFrameReader extends FrameReader {
    private final long[] remaining = new long[MAX_DEPTH];
    private int depth;

    @Override
    void reset() {
        depth = 0;
    }

    private int u8() throws IOException {
        need(1);
        return b[pos++] & 0xFF;
    }

    private long uint(int bytes) throws IOException {
        need(bytes);
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = (v << 8) | (b[pos++] & 0xFF);
        }
        return v;
    }

    /** The entry count if the next value is a map (or array when {@code array}), consuming the header; else -1. */
    private long header(boolean array) throws IOException {
        need(1);
        int t = b[pos] & 0xFF;
        long n = -1;
        if (!array && t >= 0x80 && t <= 0x8f) {
            pos++;
            n = t & 0x0f;
        } else if (array && t >= 0x90 && t <= 0x9f) {
            pos++;
            n = t & 0x0f;
        } else if (t == (array ? 0xdc : 0xde)) {
            pos++;
            n = uint(2);
        } else if (t == (array ? 0xdd : 0xdf)) {
            pos++;
            n = uint(4);
        }
        return n;
    }

    private boolean begin(boolean array) throws IOException {
        long n = header(array);
        if (n < 0) {
            skipValue();
            return false;
        }
        if (depth + 1 >= MAX_DEPTH) {
            throw new IOException("nesting too deep");
        }
        remaining[++depth] = n;
        return true;
    }

    private boolean next() {
        if (remaining[depth] == 0) {
            depth--;
            return false;
        }
        remaining[depth]--;
        return true;
    }

    @Override
    boolean beginObject() throws IOException {
        return begin(false);
    }

    @Override
    boolean nextField() {
        return next();
    }

    @Override
    boolean beginArray() throws IOException {
        return begin(true);
    }

    @Override
    boolean nextElement() {
        return next();
    }

    /** Length of a str value (header consumed), or -1 if the next value is not a str. */
    private int strLength() throws IOException {
        need(1);
        int t = b[pos] & 0xFF;
        if (t >= 0xa0 && t <= 0xbf) {
            pos++;
            return t & 0x1f;
        }
        if (t >= 0xd9 && t <= 0xdb) {
            pos++;
            long n = uint(1 << (t - 0xd9));
            if (n > Integer.MAX_VALUE) {
                throw new IOException("string too long");
            }
            return (int) n;
        }
        return -1;
    }

    @Override
    int key() throws IOException {
        int len = strLength();
        if (len < 0) {
            skipValue();
            return -1;
        }
        need(len);
        int k = match(b, pos, len);
        pos += len;
        return k;
    }

    @Override
    long longValue() throws IOException {
        need(1);
        int t = b[pos] & 0xFF;
        if (t <= 0x7f) {
            pos++;
            return t;
        }
        if (t >= 0xe0) {
            pos++;
            return (byte) t;
        }
        switch (t) {
            case 0xcc, 0xcd, 0xce, 0xcf -> {
                pos++;
                return uint(1 << (t - 0xcc));
            }
            case 0xd0 -> { pos++; return (byte) uint(1); }
            case 0xd1 -> { pos++; return (short) uint(2); }
            case 0xd2 -> { pos++; return (int) uint(4); }
            case 0xd3 -> { pos++; return uint(8); }
            case 0xca -> { pos++; return (long) Float.intBitsToFloat((int) uint(4)); }
            case 0xcb -> { pos++; return (long) Double.longBitsToDouble(uint(8)); }
            default -> {
                skipValue();
                return InboundFrame.ABSENT;
            }
        }
    }

    @Override
    String stringValue() throws IOException {
        int len = strLength();
        if (len < 0) {
            skipValue();
            return null;
        }
        need(len);
        String s = new String(b, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    @Override
    long stampValue() throws IOException {
        int len = strLength();
        if (len < 0) {
            skipValue();
            return Payload.NO_STAMP;
        }
        need(len);
        long stamp = stampAndSequence(b, pos, len);
        pos += len;
        return stamp;
    }

    @Override
    void skipValue() throws IOException {
        MsgpackSkip.skip(cursor, 1);
    }

    private final MsgpackSkip.Cursor<IOException> cursor = new MsgpackSkip.Cursor<>() {
        @Override
        public int u8() throws IOException { return MsgpackFrameReader.this.u8(); }

        @Override
        public long uint(int bytes) throws IOException { return MsgpackFrameReader.this.uint(bytes); }

        @Override
        public void skipBytes(long n) throws IOException { advance(n); }

        @Override
        public IOException malformed(int type) { return new IOException("invalid MessagePack type 0x" + Integer.toHexString(type)); }
    };

    private void advance(long n) throws IOException {
        if (n > Integer.MAX_VALUE) {
            throw new IOException("value too long");
        }
        need((int) n);
        pos += (int) n;
    }
}
