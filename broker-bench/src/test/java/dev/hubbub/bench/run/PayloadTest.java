package dev.hubbub.bench.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadTest {
    @Test
    void stampRoundTripsForAnyNanoTimeIncludingNegative() {
        Payload p = new Payload(100);
        for (long t : new long[] {0, 1, 123_456_789_012_345L, -1, -987_654_321L, Long.MAX_VALUE}) {
            String data = p.encode(t);
            assertEquals(100, data.length());
            assertEquals(t, Payload.decode(data));
            byte[] utf8 = ("xx" + data).getBytes(StandardCharsets.UTF_8);
            assertEquals(t, Payload.decode(utf8, 2, utf8.length - 2));
        }
    }

    @Test
    void sequencedPayloadCarriesStampAndSequence() {
        Payload p = new Payload(100);
        for (long seq : new long[] {0, 1, 255, 1L << 40, Long.MAX_VALUE}) {
            String data = p.encode(-42L, seq);
            assertEquals(100, data.length());
            assertEquals(-42L, Payload.decode(data));
            byte[] utf8 = ("x" + data).getBytes(StandardCharsets.UTF_8);
            assertEquals(seq, Payload.decodeSequence(utf8, 1, utf8.length - 1));
            assertEquals(-42L, Payload.decode(utf8, 1, utf8.length - 1));
        }
        byte[] plain = p.encode(7L).getBytes(StandardCharsets.UTF_8);
        assertEquals(Payload.NO_SEQUENCE, Payload.decodeSequence(plain, 0, plain.length), "filler is no sequence");
        assertEquals(Payload.SEQUENCED_CHARS, new Payload(Payload.SEQUENCED_CHARS).encode(1, 2).length());
        assertThrows(IllegalStateException.class, () -> new Payload(Payload.SEQUENCED_CHARS - 1).encode(1, 2));
        assertThrows(IllegalArgumentException.class, () -> p.encode(1, -1));
        byte[] cut = p.encode(1, 2).substring(0, Payload.SEQUENCED_CHARS - 1).getBytes(StandardCharsets.UTF_8);
        assertEquals(Payload.NO_SEQUENCE, Payload.decodeSequence(cut, 0, cut.length));
    }

    @Test
    void smallestPayloadIsJustTheStamp() {
        assertEquals(Payload.STAMP_CHARS, new Payload(Payload.STAMP_CHARS).encode(42).length());
        assertThrows(IllegalArgumentException.class, () -> new Payload(Payload.STAMP_CHARS - 1));
    }

    @Test
    void foreignDataHasNoStamp() {
        assertEquals(Payload.NO_STAMP, Payload.decode("hello"));
        assertEquals(Payload.NO_STAMP, Payload.decode((CharSequence) null));
        assertEquals(Payload.NO_STAMP, Payload.decode("0123456789ABCDEF...."));
        assertEquals(Payload.NO_STAMP, Payload.decode("0123456789abcdeg...."));
        byte[] b = "0123456789abcde".getBytes(StandardCharsets.US_ASCII);
        assertEquals(Payload.NO_STAMP, Payload.decode(b, 0, b.length));
    }

    @Test
    void windowCountsOnlyStampsInsideIt() {
        Window w = new Window(0, 100, 200);
        assertEquals(false, w.contains(99));
        assertEquals(true, w.contains(100));
        assertEquals(true, w.contains(199));
        assertEquals(false, w.contains(200));
        assertEquals("warmup", w.phase(50));
        assertEquals("measure", w.phase(150));
        assertEquals("drain", w.phase(250));
    }

    @Test
    void pacerDueIsExactOverLongRuns() {
        assertEquals(0, Pacer.due(0, 1000));
        assertEquals(1, Pacer.due(1_000_000, 1000));
        assertEquals(2_000, Pacer.due(2_000_000_000L, 1000));
        assertEquals(3, Pacer.due(1_000_000_000L, 3.5));
        assertEquals(0, Pacer.due(-5, 1000));
    }

    @Test
    void publishersArePhasedAcrossTheirIntervalNotInLockstep() {
        // 4 publishers at 20/s (50 ms apart each): first sends at 50, 37.5, 25, 12.5 ms, none at once
        assertEquals(0, Pacer.phaseNanos(0, 1, 20));
        long[] phase = new long[4];
        for (int j = 0; j < 4; j++) {
            phase[j] = Pacer.phaseNanos(j, 4, 20);
            assertEquals(0, Pacer.due(phase[j], 20), "no backlog at the start");
        }
        assertEquals(12_500_000L, phase[1]);
        assertEquals(37_500_000L, phase[3]);
        long firstOf3 = 50_000_000L - phase[3];
        assertEquals(0, Pacer.due(firstOf3 - 1 + phase[3], 20));
        assertEquals(1, Pacer.due(firstOf3 + phase[3], 20));
        // over a long run each still sends exactly its share
        assertEquals(200, Pacer.due(10_000_000_000L + phase[3], 20));
    }
}
