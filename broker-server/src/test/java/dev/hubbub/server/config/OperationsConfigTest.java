package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** {@code server.admin} (the separate listener for the probes) and {@code logging} (format and level). */
class OperationsConfigTest {
    private static final String KEYS = """
            keys:
              - name: "app1.k"
                secret: "s"
            """;

    private static void assertRefused(String yaml, String... parts) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", yaml));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' missing from: " + e.getMessage());
        }
    }

    @Test
    void noAdminListenerAndTextAtInfoByDefault() throws Exception {
        BrokerConfig c = ConfigLoader.parse("t.yaml", KEYS);
        assertNull(c.admin());
        assertEquals(new LogSettings(LogSettings.Format.TEXT, Level.INFO), c.logging());
    }

    @Test
    void adminIsReadWithLoopbackByDefaultAndKeptAcrossOverrides() throws Exception {
        BrokerConfig c = ConfigLoader.parse("t.yaml", "server:\n  port: 8080\n  admin: { port: 9090 }\n" + KEYS);
        assertEquals(new AdminSettings("127.0.0.1", 9090), c.admin());
        assertEquals(c.admin(), c.withListener("0.0.0.0", 0).withDrainTimeout(5).withCluster(null).withTls(null, true).admin());
        BrokerConfig any = ConfigLoader.parse("t.yaml", "server:\n  admin:\n    host: 0.0.0.0\n    port: 0\n" + KEYS);
        assertEquals(new AdminSettings("0.0.0.0", 0), any.admin());
    }

    @Test
    void adminSettingsAreValidatedWithTheirLine() {
        assertRefused("server:\n  admin: { host: 127.0.0.1 }\n" + KEYS, "t.yaml:2", "server.admin.port", "required");
        assertRefused("server:\n  admin: { port: 70000 }\n" + KEYS, "t.yaml:2", "server.admin.port", "0..65535");
        assertRefused("server:\n  port: 9000\n  admin:\n    port: 9000\n" + KEYS, "t.yaml:3", "server.admin.port", "server.port");
        assertRefused("server:\n  admin: { host: ' ', port: 1 }\n" + KEYS, "t.yaml:2", "server.admin.host");
        assertRefused("server:\n  admin: { prot: 1 }\n" + KEYS, "t.yaml:2", "prot");
    }

    @Test
    void bothListenersMayPickAFreePort() throws Exception {
        assertEquals(0, ConfigLoader.parse("t.yaml", "server:\n  port: 0\n  admin: { port: 0 }\n" + KEYS).admin().port());
    }

    @Test
    void loggingIsReadInAnyCaseAndKeptAcrossOverrides() throws Exception {
        BrokerConfig c = ConfigLoader.parse("t.yaml", KEYS + "logging:\n  format: JSON\n  level: debug\n");
        assertEquals(new LogSettings(LogSettings.Format.JSON, Level.DEBUG), c.logging());
        assertEquals(c.logging(), c.withListener(null, 1).withAdmin(null).withDrainTimeout(1).logging());
        assertEquals(Level.INFO, ConfigLoader.parse("t.yaml", KEYS + "logging: { format: json }\n").logging().level());
    }

    @Test
    void loggingSettingsAreValidatedWithTheirLine() {
        assertRefused(KEYS + "logging:\n  format: xml\n", "t.yaml:5", "logging.format", "text or json", "'xml'");
        assertRefused(KEYS + "logging:\n  level: loud\n", "t.yaml:5", "logging.level", "'loud'");
        assertRefused(KEYS + "logging:\n  colour: true\n", "t.yaml:5", "colour");
    }
}
