package dev.hubbub.bench.run;

import java.util.Arrays;

/**
 * The message {@code data} a publisher sends: the send time ({@link System#nanoTime()}, as 16
 * lower-case hex digits of its two's complement) followed by filler up to the requested size.
 * Publisher and subscriber live in the same JVM, so the monotonic clock is shared.
 */
public final class Payload {
    /** Characters taken by the timestamp; the smallest payload a run may ask for. */
    public static final int STAMP_CHARS = 16;
    /** Returned by {@link #decode} when the data carries no timestamp. */
    public static final long NO_STAMP = Long.MIN_VALUE;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final char[] template;

    /** A payload of {@code size} characters (at least {@link #STAMP_CHARS}). */
    public Payload(int size) {
        if (size < STAMP_CHARS) {
            throw new IllegalArgumentException("payload size must be at least " + STAMP_CHARS + " bytes, was " + size);
        }
        template = new char[size];
        Arrays.fill(template, '.');
    }

    public int size() {
        return template.length;
    }

    /** The data string stamped with {@code nanos}. */
    public String encode(long nanos) {
        char[] out = template.clone();
        for (int i = STAMP_CHARS - 1; i >= 0; i--) {
            out[i] = HEX[(int) (nanos & 0xF)];
            nanos >>>= 4;
        }
        return new String(out);
    }

    /** The stamp at the start of UTF-8 {@code data[off, off+len)}, or {@link #NO_STAMP} if it has none. */
    public static long decode(byte[] data, int off, int len) {
        if (len < STAMP_CHARS) {
            return NO_STAMP;
        }
        long v = 0;
        for (int i = off; i < off + STAMP_CHARS; i++) {
            int c = data[i];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) {
                return NO_STAMP;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** The stamp at the start of {@code data}, or {@link #NO_STAMP} if it has none. */
    public static long decode(CharSequence data) {
        if (data == null || data.length() < STAMP_CHARS) {
            return NO_STAMP;
        }
        long v = 0;
        for (int i = 0; i < STAMP_CHARS; i++) {
            int d = Character.digit(data.charAt(i), 16);
            if (d < 0 || Character.isUpperCase(data.charAt(i))) {
                return NO_STAMP;
            }
            v = (v << 4) | d;
        }
        return v;
    }
}
