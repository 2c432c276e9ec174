package dev.hubbub.core.history;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;

/**
 * A position in one channel's order: the epoch of the log that issued it and an offset in that
 * log. On the wire it is {@code epoch:offset} with the offset in zero-padded base 36, so serials of
 * one epoch sort as strings in channel order. An epoch changes whenever the log's continuity is lost
 * (a restart, a channel's log dropped after expiry): a serial of another epoch is then a
 * discontinuity, never misread as a position in the new log.
 */
public record ChannelSerial(String epoch, long offset) {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int OFFSET_DIGITS = 13; // Long.MAX_VALUE in base 36

    public ChannelSerial {
        if (epoch == null || epoch.isEmpty() || epoch.indexOf(':') >= 0) {
            throw new IllegalArgumentException("epoch must be non-empty without ':'");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative");
        }
    }

    /** A fresh epoch: 10 random base-36 characters. */
    public static String newEpoch() {
        StringBuilder b = new StringBuilder(10);
        for (int i = 0; i < 10; i++) {
            b.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        return b.toString();
    }

    /** The wire form, {@code epoch:offset}. */
    public String wire() {
        return wire(epoch, offset);
    }

    /**
     * The wire form of {@code offset} in {@code epoch}, written into one array: every message stored
     * gets one, and building it from Long.toString, a padding string and a concatenation took three
     * intermediate objects per message (about 1% of a small publish on one core).
     */
    public static String wire(String epoch, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative");
        }
        int e = epoch.length();
        byte[] b = new byte[e + 1 + OFFSET_DIGITS];
        for (int i = 0; i < e; i++) {
            char c = epoch.charAt(i);
            if (c > 0x7f) { // not an epoch of newEpoch's making: the slow way, which keeps any character
                String digits = Long.toString(offset, 36);
                return epoch + ':' + "0".repeat(Math.max(0, OFFSET_DIGITS - digits.length())) + digits;
            }
            b[i] = (byte) c;
        }
        b[e] = ':';
        long v = offset;
        for (int i = b.length - 1; i > e; i--) {
            b[i] = (byte) DIGITS[(int) (v % 36)];
            v /= 36;
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static final char[] DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    /** Parses the wire form; null when it is not one (a foreign, malformed or absent serial). */
    public static ChannelSerial parse(String wire) {
        if (wire == null) {
            return null;
        }
        int colon = wire.lastIndexOf(':');
        if (colon <= 0 || colon == wire.length() - 1 || wire.length() - colon - 1 > OFFSET_DIGITS) {
            return null;
        }
        String epoch = wire.substring(0, colon);
        if (epoch.indexOf(':') >= 0) {
            return null;
        }
        for (int i = colon + 1; i < wire.length(); i++) {
            char c = wire.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) {
                return null; // only what wire() writes: no sign, no other digits
            }
        }
        try {
            return new ChannelSerial(epoch, Long.parseLong(wire.substring(colon + 1), 36));
        } catch (IllegalArgumentException e) { // NumberFormatException included
            return null;
        }
    }

    /** The position just before the one {@code wire} names (a serial of this log's own making). */
    public static String before(String wire) {
        ChannelSerial s = parse(wire);
        if (s == null || s.offset() == 0) {
            throw new IllegalArgumentException("not a serial with a position before it");
        }
        return new ChannelSerial(s.epoch(), s.offset() - 1).wire();
    }

    @Override
    public String toString() { return wire(); }
}
