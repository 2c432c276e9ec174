package dev.hubbub.core.history;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The wire form of a channel position (continuity.md §1: the serial ably-js stores and sends back in ATTACH). */
class ChannelSerialTest {
    private static final long[] BOUNDARIES = {
        0, 1, 9, 10, 35, 36, 37, 1295, 1296, 1297, 46_655, 46_656, 1_679_615, 1_679_616,
        4_738_381_338_321_616_895L /* 36^12 - 1 */, 4_738_381_338_321_616_896L /* 36^12 */, Long.MAX_VALUE
    };

    // Rule: parse(wire()) gives back the same serial, so a serial we issued is understood when a client returns it.
    @Test
    void wireFormRoundTrips() {
        for (long offset : BOUNDARIES) {
            ChannelSerial s = new ChannelSerial("ep0ch1", offset);
            String wire = s.wire();
            assertEquals(s, ChannelSerial.parse(wire), wire);
            assertEquals(wire, s.toString());
            assertEquals(13, wire.length() - "ep0ch1:".length(), "offset is 13 digits: " + wire);
        }
        String epoch = ChannelSerial.newEpoch();
        ChannelSerial fresh = new ChannelSerial(epoch, 42);
        assertEquals(fresh, ChannelSerial.parse(fresh.wire()));
    }

    // Rule: the wire form is the epoch, ':' and the offset in base 36 padded to 13 digits, for any epoch
    // (the one-array writer and the fallback for characters past ASCII give the same text as Long.toString).
    @Test
    void wireFormIsTheEpochAndTheZeroPaddedBase36Offset() {
        Random random = new Random(11);
        List<Long> offsets = new ArrayList<>();
        for (long o : BOUNDARIES) {
            offsets.add(o);
        }
        for (int i = 0; i < 2000; i++) {
            offsets.add(random.nextLong() & Long.MAX_VALUE);
            offsets.add((long) random.nextInt(100_000));
        }
        for (String epoch : List.of("ep0ch1", ChannelSerial.newEpoch(), "z", "épоch-ü", "日本")) {
            for (long offset : offsets) {
                String digits = Long.toString(offset, 36);
                String expected = epoch + ":" + "0".repeat(13 - digits.length()) + digits;
                assertEquals(expected, ChannelSerial.wire(epoch, offset));
                assertEquals(expected, new ChannelSerial(epoch, offset).wire());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ChannelSerial.wire("e", -1));
    }

    // Rule: serials of one epoch sort as strings in channel order (zero-padded base 36), across digit-count boundaries.
    @Test
    void offsetsOfOneEpochSortAsStringsInNumericOrder() {
        for (int i = 0; i + 1 < BOUNDARIES.length; i++) {
            String lo = new ChannelSerial("e", BOUNDARIES[i]).wire();
            String hi = new ChannelSerial("e", BOUNDARIES[i + 1]).wire();
            assertTrue(lo.compareTo(hi) < 0, lo + " must sort before " + hi);
        }
        List<Long> offsets = new ArrayList<>();
        for (long o = 0; o <= 3000; o++) { // covers 35/36 and 1295/1296
            offsets.add(o);
        }
        for (long o : BOUNDARIES) {
            offsets.add(o);
        }
        List<String> wires = new ArrayList<>(offsets.stream().distinct().map(o -> new ChannelSerial("e", o).wire()).toList());
        List<String> numericOrder = List.copyOf(wires);
        Collections.shuffle(wires, new Random(7));
        Collections.sort(wires);
        assertEquals(numericOrder, wires);
    }

    // Rule: parse returns null for anything that is not a wire serial (absent, foreign or malformed), never throws.
    @Test
    void parseRejectsWhatIsNotAWireSerial() {
        assertNull(ChannelSerial.parse(null), "null");
        assertNull(ChannelSerial.parse(""), "empty");
        assertNull(ChannelSerial.parse("ep0000000000001"), "no colon");
        assertNull(ChannelSerial.parse(":0000000000001"), "empty epoch");
        assertNull(ChannelSerial.parse("ep:"), "empty offset");
        assertNull(ChannelSerial.parse("ep:000000000000!"), "non-base36 offset");
        assertNull(ChannelSerial.parse("ep:00000000000_1"), "non-base36 offset");
        assertNull(ChannelSerial.parse("ep:000000000 001"), "non-base36 offset");
        assertNull(ChannelSerial.parse("ep:-000000000001"), "negative offset");
        assertNull(ChannelSerial.parse("ep:00000000000001"), "offset of 14 digits");
        assertNull(ChannelSerial.parse("ep:zzzzzzzzzzzzzzzz"), "offset of 16 digits");
        assertNull(ChannelSerial.parse("ep:zzzzzzzzzzzzz"), "13 digits beyond Long.MAX_VALUE");
        assertNull(ChannelSerial.parse("a:b:0000000000001"), "extra colon in the epoch");
        assertNull(ChannelSerial.parse("::0000000000001"), "epoch of only a colon");
        assertNull(ChannelSerial.parse("sid:"), "a SYNC cursor is not a channel serial");
    }

    // Rule: parse returns null for a non-base36 offset. A leading '+' or a non-ASCII digit is not a base-36 digit
    // and never appears in wire(), but Long.parseLong accepts both.
    @Test
    void parseRejectsASignOrNonAsciiDigitsInTheOffset() {
        assertAll(
                () -> assertNull(ChannelSerial.parse("ep:+000000000001"), "'+' is not a base-36 digit"),
                () -> assertNull(ChannelSerial.parse("ep:+1"), "'+' is not a base-36 digit"),
                () -> assertNull(ChannelSerial.parse("ep:\u0661"), "ARABIC-INDIC DIGIT ONE is not a base-36 digit"));
    }

    // Rule: an epoch is non-empty and colon-free (so the wire form splits unambiguously); offsets are never negative.
    @Test
    void constructorGuardsTheWireForm() {
        assertThrows(IllegalArgumentException.class, () -> new ChannelSerial(null, 1));
        assertThrows(IllegalArgumentException.class, () -> new ChannelSerial("", 1));
        assertThrows(IllegalArgumentException.class, () -> new ChannelSerial("a:b", 1));
        assertThrows(IllegalArgumentException.class, () -> new ChannelSerial("e", -1));
    }

    // Rule: a fresh epoch is a usable, colon-free epoch, and two logs do not share one (continuity.md §1: a serial
    // of a lost log must never be misread as a position in the new one).
    @Test
    void newEpochsAreColonFreeAndDistinct() {
        String a = ChannelSerial.newEpoch();
        String b = ChannelSerial.newEpoch();
        assertEquals(10, a.length());
        assertTrue(a.matches("[0-9a-z]{10}"), a);
        assertNotEquals(a, b);
    }
}
