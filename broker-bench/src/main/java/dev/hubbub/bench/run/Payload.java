package dev.hubbub.bench.run;

import java.util.Arrays;

/**
 * The message {@code data} a publisher sends: the send time ({@link System#nanoTime()}, as 16
 * lower-case hex digits of its two's complement) followed by filler up to the requested size.
 * Publisher and subscriber live in the same JVM, so the monotonic clock is shared.
 *
 * <p>A sequenced payload ({@link #encode(long, long)}, the {@code resume} scenario) carries the
 * publisher's sequence number in the next 16 hex digits, so a subscriber can tell lost, repeated
 * and reordered messages apart; other payloads have filler there and read as
 * {@link #NO_SEQUENCE}.
 */
public final class Payload {
    /** Characters taken by the timestamp; the smallest payload a run may ask for. */
    public static final int STAMP_CHARS = 16;
    /** Returned by {@link #decode} when the data carries no timestamp. */
    public static final long NO_STAMP = Long.MIN_VALUE;
    /** Characters taken by stamp and sequence number; the smallest sequenced payload. */
    public static final int SEQUENCED_CHARS = 2 * STAMP_CHARS;
    /** Returned by {@link #decodeSequence} when the data carries no sequence number. */
    public static final long NO_SEQUENCE = -1;

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
        hex(out, 0, nanos);
        return new String(out);
    }

    /** The data string stamped with {@code nanos} and carrying {@code sequence} (not negative). */
    public String encode(long nanos, long sequence) {
        if (template.length < SEQUENCED_CHARS) {
            throw new IllegalStateException("a sequenced payload needs at least " + SEQUENCED_CHARS + " bytes");
        }
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence must not be negative");
        }
        char[] out = template.clone();
        hex(out, 0, nanos);
        hex(out, STAMP_CHARS, sequence);
        return new String(out);
    }

    private static void hex(char[] out, int at, long v) {
        for (int i = at + STAMP_CHARS - 1; i >= at; i--) {
            out[i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
    }

    /**
     * The sequence number after the stamp in UTF-8 {@code data[off, off+len)}, or
     * {@link #NO_SEQUENCE}. Cheap for unsequenced payloads: their filler fails at the first character.
     */
    public static long decodeSequence(byte[] data, int off, int len) {
        if (len < SEQUENCED_CHARS) {
            return NO_SEQUENCE;
        }
        long v = 0;
        for (int i = off + STAMP_CHARS; i < off + SEQUENCED_CHARS; i++) {
            int c = data[i];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (d < 0) {
                return NO_SEQUENCE;
            }
            v = (v << 4) | d;
        }
        return v < 0 ? NO_SEQUENCE : v;
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
