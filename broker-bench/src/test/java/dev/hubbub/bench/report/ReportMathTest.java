package dev.hubbub.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportMathTest {
    @Test
    void deliveryRatioCountsEverySubscriber() {
        long expected = Ratios.expectedDeliveries(1_000, 10, 200);
        assertEquals(198_000, expected);
        assertEquals(1.0, Ratios.deliveryRatio(198_000, expected));
        assertEquals(0.5, Ratios.deliveryRatio(99_000, expected));
        assertNull(Ratios.deliveryRatio(0, 0));
        assertEquals(0, Ratios.expectedDeliveries(5, 10, 3));
    }

    @Test
    void ackRangesOverlapTheWindowSerials() {
        assertEquals(3, Ratios.overlap(10, 3, 0, 100));
        assertEquals(2, Ratios.overlap(9, 3, 10, 100));
        assertEquals(1, Ratios.overlap(100, 5, 10, 100));
        assertEquals(0, Ratios.overlap(101, 5, 10, 100));
        assertEquals(0, Ratios.overlap(5, 1, -1, -2));
        assertEquals(0.0, Ratios.rate(10, 0));
        assertEquals(250.0, Ratios.rate(1000, 4));
    }

    @Test
    void percentilesComeFromTheHistogramInMilliseconds() {
        Histogram h = Latency.newHistogram();
        for (int ms = 1; ms <= 1000; ms++) {
            h.recordValue(ms * 1000L);
        }
        Latency l = Latency.of(h);
        assertEquals(1000, l.count());
        assertEquals(500.0, l.p50(), 1.0);
        assertEquals(900.0, l.p90(), 1.0);
        assertEquals(990.0, l.p99(), 1.0);
        assertEquals(999.0, l.p999(), 1.0);
        assertEquals(1000.0, l.max(), 1.0);
        assertEquals(500.5, l.mean(), 1.0);
        assertEquals(Map.of("count", 0L), Latency.of(Latency.newHistogram()).asMap());
    }

    @Test
    void recorderAccumulatesIntervalsIntoTheTotal() {
        LatencyRecorder r = new LatencyRecorder();
        r.recordNanos(2_000_000);
        assertEquals(1, r.interval().count());
        r.recordNanos(4_000_000);
        r.recordNanos(-5);
        Latency total = r.total();
        assertEquals(3, total.count());
        assertEquals(4.0, total.max(), 0.01);
        assertEquals(60_000_000L, Latency.clampMicros(Long.MAX_VALUE));
    }

    @Test
    void recordingsFromEveryThreadAreCountedOnceEach() throws Exception {
        LatencyRecorder r = new LatencyRecorder();
        r.recordNanos(1_000_000);
        Thread[] threads = new Thread[3];
        for (int t = 0; t < threads.length; t++) {
            long micros = (t + 2) * 1000L;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    r.recordNanos(micros * 1000);
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(3001, r.interval().count());
        assertEquals(0, r.interval().count(), "an interval is only what came since the last");
        r.recordNanos(9_000_000);
        Latency total = r.total();
        assertEquals(3002, total.count());
        assertEquals(9.0, total.max(), 0.01);
        assertEquals(3.0, total.p50(), 0.01); // 1,000 each of 2, 3 and 4 ms
    }

    @Test
    void errorCountsKeepFirstMessagePerCode() {
        ErrorCounts e = new ErrorCounts();
        e.add("40160", 2, "denied");
        e.add("40160", 1, "other");
        e.add("timeout");
        assertEquals(3L, e.snapshot().get("40160"));
        assertEquals("denied", e.messages().get("40160"));
        assertEquals(4, e.total());
        assertEquals("40160 x3, timeout x1", e.describe());
    }

    @Test
    void mergedErrorCountsAddUpAndKeepTheFirstMessage() {
        ErrorCounts a = new ErrorCounts();
        a.add("40160", 2, "denied");
        a.add("timeout");
        ErrorCounts b = new ErrorCounts();
        b.add("40160", 1, "other");
        b.add("80003", 1, "gone");
        ErrorCounts m = ErrorCounts.merged(a, b);
        assertEquals(Map.of("40160", 3L, "timeout", 1L, "80003", 1L), m.snapshot());
        assertEquals("denied", m.messages().get("40160"));
        assertEquals("gone", m.messages().get("80003"));
        assertEquals(3, a.total(), "the parts stay as they were");
    }

    @Test
    void textAndJsonUseTheSameNames() {
        Report r = new Report("fanout");
        r.section("delivery").put("deliveryRatio", 0.99876);
        r.section("delivery").put("received", 1_234_567L);
        String text = r.toText();
        assertTrue(text.contains("deliveryRatio"), text);
        assertTrue(text.contains("0.9988"), text);
        assertTrue(text.contains("1,234,567"), text);
        assertEquals("n/a", Report.format(null));
        assertEquals("12.5", Report.format(12.5));
        assertEquals("3", Report.format(3.0));
    }
}
