package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code server.drainTimeout}: default 30 s, set in ms, bounded. */
class DrainConfigTest {
    private static final String KEYS = """
            keys:
              - name: "app1.k"
                secret: "s"
            """;

    @Test
    void defaultsToThirtySeconds() throws Exception {
        assertEquals(30_000, ConfigLoader.parse("t.yaml", KEYS).drainTimeoutMillis());
    }

    @Test
    void isReadAndKeptAcrossListenerOverrides() throws Exception {
        BrokerConfig c = ConfigLoader.parse("t.yaml", "server:\n  drainTimeout: 2500\n" + KEYS);
        assertEquals(2500, c.drainTimeoutMillis());
        assertEquals(2500, c.withListener("0.0.0.0", 0).drainTimeoutMillis());
        assertEquals(2500, c.withCluster(null).drainTimeoutMillis());
    }

    @Test
    void negativeIsRefusedWithItsLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("t.yaml", "server:\n  drainTimeout: -1\n" + KEYS));
        assertTrue(e.getMessage().contains("t.yaml:2") && e.getMessage().contains("server.drainTimeout"), e.getMessage());
    }
}
