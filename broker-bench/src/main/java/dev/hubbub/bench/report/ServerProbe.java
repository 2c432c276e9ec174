package dev.hubbub.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads local processes' CPU time ({@code /proc/PID/stat} utime + stime, and stime alone: the part
 * spent in the kernel, mostly the sockets' work, which a raw server pays as much as the broker), their
 * minor page faults (minflt: first touches of fresh memory, about 30 µs each on a virtual machine
 * whose hypervisor handles them, so a broker that keeps taking memory from the system pays for it) and
 * resident set size ({@code /proc/PID/status} VmRSS). Linux only; the broker must run on the bench's machine. With
 * several processes (a cluster's nodes and its redis-server) a sample holds their sums and each
 * one's reading.
 */
public final class ServerProbe {
    /**
     * One reading: CPU in clock ticks (all of it, and the kernel's part of it) and RSS in KiB summed over the
     * processes, taken at {@code nanos}; and each one's.
     */
    public record Sample(long cpuTicks, long rssKb, long nanos, List<Reading> processes, long kernelTicks, long minorFaults) {
        public Sample(long cpuTicks, long rssKb, long nanos, List<Reading> processes, long kernelTicks) {
            this(cpuTicks, rssKb, nanos, processes, kernelTicks, 0);
        }

        public Sample(long cpuTicks, long rssKb, long nanos) {
            this(cpuTicks, rssKb, nanos, List.of(), 0);
        }
    }

    /** One process's part of a sample; {@code label} is "PID command", e.g. "4242 redis-server". */
    public record Reading(String label, long cpuTicks, long rssKb, long kernelTicks, long minorFaults) {
        public Reading(String label, long cpuTicks, long rssKb, long kernelTicks) {
            this(label, cpuTicks, rssKb, kernelTicks, 0);
        }
    }

    private final List<Path> procDirs;
    private final long ticksPerSecond;

    public ServerProbe(long pid) {
        this(List.of(pid));
    }

    /** A probe summing {@code pids} (at least one). */
    public ServerProbe(List<Long> pids) {
        this(pids.stream().map(pid -> Path.of("/proc", Long.toString(pid))).toList(), clockTicks());
    }

    ServerProbe(Path procDir, long ticksPerSecond) {
        this(List.of(procDir), ticksPerSecond);
    }

    ServerProbe(List<Path> procDirs, long ticksPerSecond) {
        if (procDirs.isEmpty()) {
            throw new IllegalArgumentException("no process to probe");
        }
        this.procDirs = List.copyOf(procDirs);
        this.ticksPerSecond = ticksPerSecond;
    }

    /** Fails early with a clear message when a process cannot be read. */
    public Sample sample() {
        List<Reading> readings = new ArrayList<>(procDirs.size());
        long cpu = 0;
        long kernel = 0;
        long rss = 0;
        long faults = 0;
        for (Path procDir : procDirs) {
            try {
                String stat = Files.readString(procDir.resolve("stat"), StandardCharsets.US_ASCII);
                String status = Files.readString(procDir.resolve("status"), StandardCharsets.US_ASCII);
                Reading r = new Reading(procDir.getFileName() + " " + command(stat), cpuTicks(stat), rssKb(status),
                        kernelTicks(stat), minorFaults(stat));
                readings.add(r);
                cpu += r.cpuTicks();
                kernel += r.kernelTicks();
                rss += r.rssKb();
                faults += r.minorFaults();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + procDir + " (is the broker running on this machine?): "
                        + e.getMessage());
            }
        }
        return new Sample(cpu, rss, System.nanoTime(), List.copyOf(readings), kernel, faults);
    }

    /** The command name of a stat line: what is between the first '(' and the last ')'. */
    static String command(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        return open >= 0 && close > open ? stat.substring(open + 1, close) : "?";
    }

    /** utime + stime (fields 14 and 15) of a stat line; the command name may contain spaces and parentheses. */
    static long cpuTicks(String stat) {
        String[] f = fields(stat);
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    /** stime (field 15) of a stat line: CPU time in the kernel. */
    static long kernelTicks(String stat) {
        return Long.parseLong(fields(stat)[15 - 3]);
    }

    /** minflt (field 10) of a stat line: page faults that needed no I/O, mostly first touches of fresh memory. */
    static long minorFaults(String stat) {
        return Long.parseLong(fields(stat)[10 - 3]);
    }

    /** A stat line's fields after the command name: the first is field 3 (state), so field n is at n - 3. */
    private static String[] fields(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc stat line");
        }
        return stat.substring(close + 2).trim().split("\\s+");
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

    /** Broker CPU seconds between two samples (summed over the processes). */
    public double cpuSeconds(Sample before, Sample after) {
        return (after.cpuTicks() - before.cpuTicks()) / (double) ticksPerSecond;
    }

    /**
     * Adds broker CPU and memory between two samples to {@code section}; with {@code units > 0}
     * also CPU microseconds per unit under {@code perUnitKey} (e.g. "cpuMicrosPerDelivery"), and the
     * kernel's part of them under the same key with "kernel" for "cpu" ("kernelMicrosPerDelivery"). With
     * several processes these are sums over them, and {@code processes} has the same figures for
     * each one (its CPU per unit is its share of the summed one).
     */
    public void describe(Sample before, Sample after, long units, String perUnitKey, Map<String, Object> section) {
        double wall = (after.nanos() - before.nanos()) / 1e9;
        put(section, after.cpuTicks() - before.cpuTicks(), after.kernelTicks() - before.kernelTicks(), wall, units, perUnitKey,
                before.rssKb(), after.rssKb(), after.minorFaults() - before.minorFaults());
        if (after.processes().size() > 1 && before.processes().size() == after.processes().size()) {
            section.put("processCount", after.processes().size());
            Map<String, Object> each = new LinkedHashMap<>();
            for (int i = 0; i < after.processes().size(); i++) {
                Reading b = before.processes().get(i);
                Reading a = after.processes().get(i);
                Map<String, Object> one = new LinkedHashMap<>();
                put(one, a.cpuTicks() - b.cpuTicks(), a.kernelTicks() - b.kernelTicks(), wall, units, perUnitKey, b.rssKb(),
                        a.rssKb(), a.minorFaults() - b.minorFaults());
                each.put(a.label(), one);
            }
            section.put("processes", each);
        }
    }

    private void put(Map<String, Object> out, long cpuTicks, long kernelTicks, double wall, long units, String perUnitKey,
                     long rssBefore, long rssAfter, long faults) {
        double cpu = cpuTicks / (double) ticksPerSecond;
        double kernel = kernelTicks / (double) ticksPerSecond;
        out.put("cpuSeconds", cpu);
        out.put("cpuPercentOfOneCore", wall > 0 ? 100.0 * cpu / wall : null);
        out.put("kernelSeconds", kernel);
        if (perUnitKey != null) {
            out.put(perUnitKey, units > 0 ? cpu * 1e6 / units : null);
            out.put(kernelKey(perUnitKey), units > 0 ? kernel * 1e6 / units : null);
        }
        out.put("rssBeforeKb", rssBefore);
        out.put("rssAfterKb", rssAfter);
        out.put("rssGrowthKb", rssAfter - rssBefore);
        out.put("minorFaults", faults);
        out.put("minorFaultsPerSecond", wall > 0 ? faults / wall : null);
    }

    /** "cpuMicrosPerDelivery" becomes "kernelMicrosPerDelivery"; a key not starting "cpu" gets "kernel" in front. */
    static String kernelKey(String perUnitKey) {
        return perUnitKey.startsWith("cpu") ? "kernel" + perUnitKey.substring(3)
                : "kernel" + Character.toUpperCase(perUnitKey.charAt(0)) + perUnitKey.substring(1);
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
