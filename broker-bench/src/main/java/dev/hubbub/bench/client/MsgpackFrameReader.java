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
        long pending = 1;
        while (pending-- > 0) {
            int t = u8();
            if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
                continue;
            }
            if (t >= 0x80 && t <= 0x8f) {
                pending += 2L * (t & 0x0f);
            } else if (t >= 0x90 && t <= 0x9f) {
                pending += t & 0x0f;
            } else if (t >= 0xa0 && t <= 0xbf) {
                advance(t & 0x1f);
            } else {
                switch (t) {
                    case 0xc4, 0xd9 -> advance(uint(1));
                    case 0xc5, 0xda -> advance(uint(2));
                    case 0xc6, 0xdb -> advance(uint(4));
                    case 0xc7 -> advance(uint(1) + 1);
                    case 0xc8 -> advance(uint(2) + 1);
                    case 0xc9 -> advance(uint(4) + 1);
                    case 0xca -> advance(4);
                    case 0xcb -> advance(8);
                    case 0xcc, 0xd0 -> advance(1);
                    case 0xcd, 0xd1 -> advance(2);
                    case 0xce, 0xd2 -> advance(4);
                    case 0xcf, 0xd3 -> advance(8);
                    case 0xd4 -> advance(2);
                    case 0xd5 -> advance(3);
                    case 0xd6 -> advance(5);
                    case 0xd7 -> advance(9);
                    case 0xd8 -> advance(17);
                    case 0xdc -> pending += uint(2);
                    case 0xdd -> pending += uint(4);
                    case 0xde -> pending += 2 * uint(2);
                    case 0xdf -> pending += 2 * uint(4);
                    default -> throw new IOException("invalid MessagePack type 0x" + Integer.toHexString(t));
                }
            }
        }
    }

    private void advance(long n) throws IOException {
        if (n > Integer.MAX_VALUE) {
            throw new IOException("value too long");
        }
        need((int) n);
        pos += (int) n;
    }
}
