package dev.hubbub.bench.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
        assertEquals(123_456, s.rssKb());

        Map<String, Object> out = new LinkedHashMap<>();
        probe.describe(new ServerProbe.Sample(1000, 100_000, 0), new ServerProbe.Sample(1200, 150_000, 4_000_000_000L),
                1_000_000, "cpuMicrosPerDelivery", out);
        assertEquals(2.0, (double) out.get("cpuSeconds"), 1e-9);
        assertEquals(50.0, (double) out.get("cpuPercentOfOneCore"), 1e-9);
        assertEquals(2.0, (double) out.get("cpuMicrosPerDelivery"), 1e-9);
        assertEquals(50_000L, out.get("rssGrowthKb"));
    }
}
