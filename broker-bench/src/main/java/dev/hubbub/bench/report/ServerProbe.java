package dev.hubbub.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads a local process's CPU time ({@code /proc/PID/stat} utime + stime) and resident set size
 * ({@code /proc/PID/status} VmRSS). Linux only; the broker must run on the bench's machine.
 */
public final class ServerProbe {
    /** One reading: CPU in clock ticks, RSS in KiB, taken at {@code nanos}. */
    public record Sample(long cpuTicks, long rssKb, long nanos) { }

    private final Path procDir;
    private final long ticksPerSecond;

    public ServerProbe(long pid) {
        this(Path.of("/proc", Long.toString(pid)), clockTicks());
    }

    ServerProbe(Path procDir, long ticksPerSecond) {
        this.procDir = procDir;
        this.ticksPerSecond = ticksPerSecond;
    }

    /** Fails early with a clear message when the process cannot be read. */
    public Sample sample() {
        try {
            String stat = Files.readString(procDir.resolve("stat"), StandardCharsets.US_ASCII);
            String status = Files.readString(procDir.resolve("status"), StandardCharsets.US_ASCII);
            return new Sample(cpuTicks(stat), rssKb(status), System.nanoTime());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + procDir + " (is the broker running on this machine?): " + e.getMessage());
        }
    }

    /** utime + stime (fields 14 and 15) of a stat line; the command name may contain spaces and parentheses. */
    static long cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc stat line");
        }
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3]
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    /** VmRSS in KiB from a status file (0 if absent, e.g. a zombie). */
    static long rssKb(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    /** Broker CPU seconds between two samples. */
    public double cpuSeconds(Sample before, Sample after) {
        return (after.cpuTicks() - before.cpuTicks()) / (double) ticksPerSecond;
    }

    /**
     * Adds broker CPU and memory between two samples to {@code section}; with {@code units > 0}
     * also CPU microseconds per unit under {@code perUnitKey} (e.g. "cpuMicrosPerDelivery").
     */
    public void describe(Sample before, Sample after, long units, String perUnitKey, Map<String, Object> section) {
        double cpu = cpuSeconds(before, after);
        double wall = (after.nanos() - before.nanos()) / 1e9;
        section.put("cpuSeconds", cpu);
        section.put("cpuPercentOfOneCore", wall > 0 ? 100.0 * cpu / wall : null);
        if (perUnitKey != null) {
            section.put(perUnitKey, units > 0 ? cpu * 1e6 / units : null);
        }
        section.put("rssBeforeKb", before.rssKb());
        section.put("rssAfterKb", after.rssKb());
        section.put("rssGrowthKb", after.rssKb() - before.rssKb());
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
