package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.transport.ConnectionRate;
import dev.hubbub.transport.ListenerLimits;
import dev.hubbub.transport.MemoryPressure;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code server.requestBodyTimeout}, {@code limits.maxTokenRequestBytes}, the connection rate per
 * address and the memory pressure marks: defaulted, read, validated naming the setting and its line, kept across overrides.
 */
class ListenerConfigTest {
    private static final String KEYS = """
            keys:
              - name: "app1.k"
                secret: "s"
            """;

    private static ConfigException failure(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml));
    }

    private static void assertMentions(ConfigException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void defaults() throws Exception {
        ListenerLimits l = ConfigLoader.parse("t.yaml", KEYS).listener();
        assertEquals(ListenerLimits.defaults(), l);
        assertEquals(8192, l.maxTokenRequestBytes());
        assertEquals(10_000, l.requestBodyTimeoutMillis());
        assertEquals(ConnectionRate.DEFAULTS, l.connectionRate());
        assertEquals(List.of("127.0.0.0/8", "::1/128"), l.connectionRate().exempt(), "loopback: the load client, a local proxy");
        assertEquals(MemoryPressure.directMemoryLimit() / 4 * 3, l.memoryPressure().aboveBytes());
        assertEquals(1024 * 1024, l.memoryPressure().backlogBytes());
        assertEquals(128 * 1024, ConfigLoader.parse("t.yaml", "server:\n  maxBacklogBytes: 131072\n" + KEYS).listener()
                .memoryPressure().backlogBytes(), "never more than maxBacklogBytes");
    }

    @Test
    void memoryPressureMarksAreReadAndChecked() throws Exception {
        long limit = MemoryPressure.directMemoryLimit();
        BrokerConfig c = ConfigLoader.parse("t.yaml", "server:\n  memoryPressureBytes: 67108864\n"
                + "  backlogUnderPressureBytes: 524288\n" + KEYS);
        assertEquals(new MemoryPressure(64L << 20, 512 * 1024), c.listener().memoryPressure());
        assertEquals(c.listener(), c.withListener("0.0.0.0", 0).withDrainTimeout(1).listener(), "kept across overrides");
        assertMentions(failure("server:\n  memoryPressureBytes: " + (limit + 1) + "\n" + KEYS), "t.yaml:2",
                "server.memoryPressureBytes", "MaxDirectMemorySize");
        assertMentions(failure("server:\n  memoryPressureBytes: 1000\n" + KEYS), "t.yaml:2", "server.memoryPressureBytes");
        assertMentions(failure("server:\n  backlogUnderPressureBytes: 1000\n" + KEYS), "t.yaml:2",
                "server.backlogUnderPressureBytes");
        assertMentions(failure("server:\n  maxBacklogBytes: 1048576\n  backlogUnderPressureBytes: 2097152\n" + KEYS),
                "t.yaml:3", "server.backlogUnderPressureBytes", "server.maxBacklogBytes (1048576 bytes)");
    }

    @Test
    void theShippedConfigUsesTheDefaults() throws Exception {
        assertEquals(ListenerLimits.defaults(), ConfigLoader.load(Path.of("../config/broker.yaml")).listener());
    }

    @Test
    void everySettingIsReadAndKeptAcrossOverrides() throws Exception {
        BrokerConfig c = ConfigLoader.parse("t.yaml", "server:\n  requestBodyTimeout: 2500\n" + KEYS + """
                limits:
                  maxTokenRequestBytes: 4096
                  connectionRatePerAddress: 0.5
                  connectionBurstPerAddress: 3
                  connectionRateExempt: [ "10.0.0.0/8", "2001:db8::/32", "192.0.2.1" ]
                """);
        ListenerLimits expected = new ListenerLimits(4096, 2500,
                new ConnectionRate(0.5, 3, List.of("10.0.0.0/8", "2001:db8::/32", "192.0.2.1")));
        assertEquals(expected, c.listener());
        assertEquals(expected, c.withListener("0.0.0.0", 0).withCluster(null).withDrainTimeout(1).withTls(null, true).listener());
        assertEquals(List.of(), ConfigLoader.parse("t.yaml", KEYS + "limits:\n  connectionRateExempt: []\n")
                .listener().connectionRate().exempt(), "an empty list exempts nothing");
        assertEquals(0, ConfigLoader.parse("t.yaml", KEYS + "limits:\n  connectionRatePerAddress: 0\n")
                .listener().connectionRate().perSecond(), "0 turns the limit off");
    }

    @Test
    void badValuesNameTheSettingAndLine() {
        assertMentions(failure("server:\n  requestBodyTimeout: 0\n" + KEYS), "t.yaml:2", "server.requestBodyTimeout");
        assertMentions(failure(KEYS + "limits:\n  maxTokenRequestBytes: 10\n"), "t.yaml:5", "limits.maxTokenRequestBytes");
        assertMentions(failure(KEYS + "limits:\n  connectionRatePerAddress: -1\n"), "t.yaml:5", "limits.connectionRatePerAddress");
        assertMentions(failure(KEYS + "limits:\n  connectionBurstPerAddress: 0\n"), "t.yaml:5", "limits.connectionBurstPerAddress");
        assertMentions(failure(KEYS + "limits:\n  connectionRateExempt: [ \"proxy.internal\" ]\n"), "t.yaml:5",
                "limits.connectionRateExempt", "proxy.internal", "CIDR");
        assertMentions(failure(KEYS + "limits:\n  connectionRateExempt: [ \"10.0.0.0/40\" ]\n"),
                "limits.connectionRateExempt", "prefix");
    }
}
