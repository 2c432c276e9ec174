package dev.hubbub.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerProbeTest {
    // a stat line whose command contains spaces and parentheses; utime=1500, stime=250
    static final String STAT = "4242 (java (broker) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 1500 250 0 0 20 0 30 0 "
            + "12345 5000000000 120000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

    @Test
    void readsCpuTicksAndRss(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("stat"), STAT);
        Files.writeString(dir.resolve("status"), "Name:\tjava\nVmPeak:\t  999 kB\nVmRSS:\t  123456 kB\nThreads:\t30\n");
        ServerProbe probe = new ServerProbe(dir, 100);
        ServerProbe.Sample s = probe.sample();
        assertEquals(1750, s.cpuTicks());
        assertEquals(250, s.kernelTicks(), "stime alone");
        assertEquals(123_456, s.rssKb());
        assertEquals(100, s.minorFaults(), "minflt, field 10");

        Map<String, Object> out = new LinkedHashMap<>();
        probe.describe(new ServerProbe.Sample(1000, 100_000, 0, List.of(), 300, 1_000),
                new ServerProbe.Sample(1200, 150_000, 4_000_000_000L, List.of(), 350, 5_000), 1_000_000, "cpuMicrosPerDelivery",
                out);
        assertEquals(2.0, (double) out.get("cpuSeconds"), 1e-9);
        assertEquals(50.0, (double) out.get("cpuPercentOfOneCore"), 1e-9);
        assertEquals(2.0, (double) out.get("cpuMicrosPerDelivery"), 1e-9);
        assertEquals(0.5, (double) out.get("kernelSeconds"), 1e-9);
        assertEquals(0.5, (double) out.get("kernelMicrosPerDelivery"), 1e-9, "the kernel's part of the 2 us");
        assertEquals(50_000L, out.get("rssGrowthKb"));
        assertEquals(4_000L, out.get("minorFaults"));
        assertEquals(1_000.0, (double) out.get("minorFaultsPerSecond"), 1e-9, "4,000 over the 4 s");
        assertFalse(out.containsKey("processes"), "one process: the same figures as ever, no breakdown");
        assertFalse(out.containsKey("processCount"));
    }

    private static Path proc(Path root, long pid, String command, long utime, long stime, long rssKb) throws Exception {
        Path dir = Files.createDirectories(root.resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("stat"), pid + " (" + command + ") S 1 1 1 0 -1 4194304 100 0 0 0 " + utime + " "
                + stime + " 0 0 20 0 30 0 12345 5000000000 120000\n");
        Files.writeString(dir.resolve("status"), "Name:\t" + command + "\nVmRSS:\t  " + rssKb + " kB\n");
        return dir;
    }

    @Test
    void severalProcessesAreSummedAndEachIsShown(@TempDir Path root) throws Exception {
        Path node1 = proc(root, 101, "java", 1000, 0, 200_000);
        Path node2 = proc(root, 102, "java", 2000, 0, 300_000);
        Path redis = proc(root, 103, "redis-server", 500, 0, 10_000);
        ServerProbe probe = new ServerProbe(List.of(node1, node2, redis), 100);
        ServerProbe.Sample before = probe.sample();
        assertEquals(3500, before.cpuTicks());
        assertEquals(510_000, before.rssKb());
        assertEquals(List.of("101 java", "102 java", "103 redis-server"),
                before.processes().stream().map(ServerProbe.Reading::label).toList());

        // 2 s of CPU on node 1, 1 s on node 2, 0.5 s in redis, over 1,000,000 deliveries
        ServerProbe.Sample after = new ServerProbe.Sample(3500 + 350, 530_000, before.nanos() + 1_000_000_000L, List.of(
                new ServerProbe.Reading("101 java", 1200, 210_000, 0), new ServerProbe.Reading("102 java", 2100, 310_000, 0),
                new ServerProbe.Reading("103 redis-server", 550, 10_000, 0)), 0);
        Map<String, Object> out = new LinkedHashMap<>();
        probe.describe(before, after, 1_000_000, "cpuMicrosPerDelivery", out);
        assertEquals(3.5, (double) out.get("cpuSeconds"), 1e-9);
        assertEquals(350.0, (double) out.get("cpuPercentOfOneCore"), 1e-9);
        assertEquals(3.5, (double) out.get("cpuMicrosPerDelivery"), 1e-9, "summed CPU per delivery");
        assertEquals(20_000L, out.get("rssGrowthKb"));
        assertEquals(3, out.get("processCount"));
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> each = (Map<String, Map<String, Object>>) out.get("processes");
        assertEquals(List.of("101 java", "102 java", "103 redis-server"), List.copyOf(each.keySet()));
        assertEquals(2.0, (double) each.get("101 java").get("cpuSeconds"), 1e-9);
        assertEquals(1.0, (double) each.get("102 java").get("cpuMicrosPerDelivery"), 1e-9);
        assertEquals(50.0, (double) each.get("103 redis-server").get("cpuPercentOfOneCore"), 1e-9);
        assertEquals(10_000L, each.get("101 java").get("rssGrowthKb"));
        assertEquals(0L, each.get("103 redis-server").get("rssGrowthKb"));
    }

    @Test
    void kernelKeysFollowThePerUnitKey() {
        assertEquals("kernelMicrosPerDelivery", ServerProbe.kernelKey("cpuMicrosPerDelivery"));
        assertEquals("kernelMicrosPerConnect", ServerProbe.kernelKey("microsPerConnect"));
    }

    @Test
    void aProcessThatCannotBeReadIsNamed(@TempDir Path root) throws Exception {
        Path node = proc(root, 101, "java", 1, 1, 1);
        ServerProbe probe = new ServerProbe(List.of(node, root.resolve("999999")), 100);
        IllegalStateException e = assertThrows(IllegalStateException.class, probe::sample);
        assertTrue(e.getMessage().contains("999999"), e.getMessage());
    }

    @Test
    void theCommandNameMayHoldSpacesAndParentheses() {
        assertEquals("java (broker) x", ServerProbe.command(STAT));
    }
}
