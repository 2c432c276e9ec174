package dev.hubbub.server;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** QuietTrim: native memory is trimmed once each time the node goes quiet, never while it is busy. */
class QuietTrimTest {
    private final AtomicLong events = new AtomicLong();
    private final AtomicLong compileMillis = new AtomicLong();
    private final AtomicLong trimmed = new AtomicLong();
    private final QuietTrim trim = new QuietTrim(events::get, 1_000, compileMillis::get, 100, trimmed::incrementAndGet);

    @Test
    void trimsOnceAtTheFirstQuietCheckAfterStartUp() {
        check(10);
        assertEquals(1, trimmed.get(), "start-up left memory behind: the first quiet check trims");
        check(0);
        check(999);
        assertEquals(1, trimmed.get(), "quiet again, nothing new to give back: no second trim");
    }

    @Test
    void neverTrimsWhileBusyAndTrimsOnceWhenTheBusySpellEnds() {
        for (int i = 0; i < 5; i++) {
            check(1_000); // a sustained load (1,000 events per check is busy)
        }
        assertEquals(0, trimmed.get(), "a busy node is not trimmed");
        check(5);
        assertEquals(1, trimmed.get(), "gone quiet: trimmed");
        check(5);
        assertEquals(1, trimmed.get());
        check(50_000); // a connect storm
        check(0);
        check(0);
        assertEquals(2, trimmed.get(), "each quiet spell after a busy one trims once");
        assertEquals(2, trim.trims());
    }

    @Test
    void jitCompilingIsBusyEvenWithoutTraffic() {
        check(0);
        assertEquals(1, trimmed.get());
        // the first liveness round on idle connections: little traffic, a second of new compiled code
        compile(800);
        check(0);
        compile(400);
        check(0);
        assertEquals(1, trimmed.get(), "the compilers are at work: not quiet yet");
        check(0);
        assertEquals(2, trimmed.get(), "compilers done: what their arenas left is given back");
        compile(99); // the odd method compiled later is not a busy spell
        check(0);
        compile(20);
        check(999);
        assertEquals(2, trimmed.get());
    }

    @Test
    void theCompilersTotalTimeIsReadFromThisJvm() {
        long before = QuietTrim.jitMillis().getAsLong();
        // HotSpot measures compile time; by the time a test runs, it has compiled for a while
        assertTrue(before > 0, "no JIT time measured: compiling would never count as busy");
        assertTrue(QuietTrim.jitMillis().getAsLong() >= before);
    }

    @Test
    void thisJvmTrimsThroughItsDiagnosticCommand() {
        // HotSpot 17.0.x and later (the JDKs this project builds and runs on) have System.trim_native_heap
        Runnable nativeTrim = QuietTrim.nativeHeapTrim();
        assertNotNull(nativeTrim, "System.trim_native_heap not found: quiet trimming would do nothing here");
        String report = assertDoesNotThrow(QuietTrim::trimNow);
        // glibc: "Trim native heap: RSS+Swap: 180M->176M (-4M)"; elsewhere the JVM says it cannot
        assertTrue(report.contains("RSS") || report.contains("ot available") || report.contains("ot supported"), report);
    }

    private void compile(long millis) {
        compileMillis.addAndGet(millis);
    }

    private void check(long newEvents) {
        events.addAndGet(newEvents);
        trim.check();
    }
}
