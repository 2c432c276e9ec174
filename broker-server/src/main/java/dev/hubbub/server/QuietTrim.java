package dev.hubbub.server;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.function.LongSupplier;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the native memory the C allocator keeps after a busy spell (a connect storm, a traffic
 * peak, the JIT compilers at start-up) back to the system once the node has gone quiet, instead
 * of on a fixed period. The JVM's own periodic trim ({@code -XX:TrimNativeHeapInterval}) ran every
 * few seconds under full load too: each pass holds the allocator's locks while it walks the heap
 * and gives back pages that the next growth of a history ring faults in again. On a node taking
 * 20,000 messages a second that was about 60% more page faults and p99 of 17-34 ms, against
 * 6-10 ms without it (four alternating pairs, at the same CPU).
 *
 * <p>{@link #check()} runs every few seconds: a check that saw fewer than {@code quietEvents}
 * events since the one before, and fewer than {@code quietCompileMillis} of JIT compiling, is
 * quiet; the first quiet check after a busy one (or after start) trims, once. A node that stays
 * busy never trims; its allocator reuses what it freed.
 *
 * <p>The compilers count as busy because they are what leaves the most behind on a node that
 * has no traffic to speak of: C2 works in arenas of up to tens of MB that it frees when done, and
 * glibc keeps those pages. The first round of liveness checks on 19,000 idle connections (a
 * HEARTBEAT and a ping each) compiled about a second's worth of new code and left RSS 20 MB higher,
 * after the start-up trim had already run; the liveness traffic itself is too thin to count as
 * busy. Trimming after the compilers went quiet gave those 20 MB back, for good (later rounds
 * compile next to nothing).
 */
final class QuietTrim {
    private static final Logger log = LoggerFactory.getLogger(QuietTrim.class);

    private final LongSupplier activity;
    private final long quietEvents;
    private final LongSupplier compileMillis;
    private final long quietCompileMillis;
    private final Runnable trim;
    private long seen;
    private long compiled;
    private boolean busySinceTrim = true; // start-up itself (class loading, the JIT) left memory behind
    private volatile long trims; // written by the checking thread alone

    /**
     * @param activity    a count that only grows, by one per event (messages in and out, connections
     *                    opened and closed)
     * @param quietEvents fewer events than this between two checks is quiet
     * @param compileMillis the JIT compilers' total time so far, in ms ({@link #jitMillis()})
     * @param quietCompileMillis and less compiling than this between two checks
     * @param trim        gives the memory back
     */
    QuietTrim(LongSupplier activity, long quietEvents, LongSupplier compileMillis, long quietCompileMillis,
              Runnable trim) {
        this.activity = activity;
        this.quietEvents = quietEvents;
        this.compileMillis = compileMillis;
        this.quietCompileMillis = quietCompileMillis;
        this.trim = trim;
        this.seen = activity.getAsLong();
        this.compiled = compileMillis.getAsLong();
    }

    /** One check (on one thread at a time): trims when the node has just gone quiet. */
    void check() {
        long now = activity.getAsLong();
        long events = now - seen;
        seen = now;
        long compiledNow = compileMillis.getAsLong();
        long compiling = compiledNow - compiled;
        compiled = compiledNow;
        if (events >= quietEvents || compiling >= quietCompileMillis) {
            busySinceTrim = true;
        } else if (busySinceTrim) {
            busySinceTrim = false;
            trims++;
            trim.run();
        }
    }

    /** Trims done so far. */
    long trims() { return trims; }

    /**
     * The JIT compilers' total time so far in ms, from the JVM's compilation bean; a supplier of 0
     * where this JVM does not measure it (then only events make the node busy).
     */
    static LongSupplier jitMillis() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit::getTotalCompilationTime : () -> 0;
    }

    private static final String DIAGNOSTICS = "com.sun.management:type=DiagnosticCommand";
    private static final String TRIM = "systemTrimNativeHeap";

    /**
     * The JVM's {@code System.trim_native_heap} (what {@code jcmd PID System.trim_native_heap}
     * runs: glibc's malloc_trim), or null where this JVM has no such command.
     */
    static Runnable nativeHeapTrim() {
        try {
            boolean known = Arrays.stream(ManagementFactory.getPlatformMBeanServer()
                            .getMBeanInfo(new ObjectName(DIAGNOSTICS)).getOperations())
                    .anyMatch(op -> op.getName().equals(TRIM));
            if (!known) {
                log.debug("this JVM has no System.trim_native_heap: native memory is not trimmed when quiet");
                return null;
            }
        } catch (Exception | LinkageError unavailable) {
            log.debug("no diagnostic commands here: native memory is not trimmed when quiet ({})", unavailable.toString());
            return null;
        }
        return () -> {
            try {
                log.debug("native heap trimmed when quiet: {}", trimNow());
            } catch (Exception failed) {
                log.debug("native heap trim failed: {}", failed.toString());
            }
        };
    }

    /** Runs System.trim_native_heap now; returns what it reports (the RSS before and after, on glibc). */
    static String trimNow() throws Exception {
        Object out = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(DIAGNOSTICS), TRIM,
                new Object[] {null}, new String[] {String[].class.getName()});
        return String.valueOf(out).strip();
    }
}
