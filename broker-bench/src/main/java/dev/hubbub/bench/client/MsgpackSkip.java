package dev.hubbub.bench.client;

/**
 * Steps over whole MessagePack values, nested maps and arrays included, through whatever reads the
 * bytes: the load client's frame reader and the raw comparator's frame scan share it.
 */
public final class MsgpackSkip {
    private MsgpackSkip() {}

    /** The reads a skip needs, failing with {@code E}. */
    public interface Cursor<E extends Exception> {
        /** The next byte, unsigned. */
        int u8() throws E;

        /** A big-endian unsigned integer of {@code bytes} bytes. */
        long uint(int bytes) throws E;

        /** Moves past {@code n} bytes. */
        void skipBytes(long n) throws E;

        /** The failure for a byte that starts no MessagePack value. */
        E malformed(int type);
    }

    /** Steps over {@code values} whole values. */
    public static <E extends Exception> void skip(Cursor<E> c, long values) throws E {
        long pending = values;
        while (pending-- > 0) {
            int t = c.u8();
            if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
                continue; // fixints, nil, booleans
            }
            if (t <= 0x8f) {
                pending += 2L * (t & 0x0f);          // fixmap
            } else if (t <= 0x9f) {
                pending += t & 0x0f;                 // fixarray
            } else if (t <= 0xbf) {
                c.skipBytes(t & 0x1f);               // fixstr
            } else {
                switch (t) {
                    case 0xc4, 0xd9 -> c.skipBytes(c.uint(1));
                    case 0xc5, 0xda -> c.skipBytes(c.uint(2));
                    case 0xc6, 0xdb -> c.skipBytes(c.uint(4));
                    case 0xc7, 0xc8, 0xc9 -> c.skipBytes(c.uint(1 << (t - 0xc7)) + 1); // ext 8/16/32: its type byte too
                    case 0xca, 0xce, 0xd2 -> c.skipBytes(4);
                    case 0xcb, 0xcf, 0xd3 -> c.skipBytes(8);
                    case 0xcc, 0xd0 -> c.skipBytes(1);
                    case 0xcd, 0xd1 -> c.skipBytes(2);
                    case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8 -> c.skipBytes((1L << (t - 0xd4)) + 1); // fixext 1..16
                    case 0xdc -> pending += c.uint(2);
                    case 0xdd -> pending += c.uint(4);
                    case 0xde -> pending += 2 * c.uint(2);
                    case 0xdf -> pending += 2 * c.uint(4);
                    default -> throw c.malformed(t);
                }
            }
        }
    }
}
