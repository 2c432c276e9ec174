package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** {@code logging} (format and level). */
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
    void textAtInfoByDefault() throws Exception {
        BrokerConfig c = ConfigLoader.parse("t.yaml", KEYS);
        assertEquals(new LogSettings(LogSettings.Format.TEXT, Level.INFO), c.logging());
    }

    @Test
    void loggingIsReadInAnyCaseAndKeptAcrossOverrides() throws Exception {
        BrokerConfig c = ConfigLoader.parse("t.yaml", KEYS + "logging:\n  format: JSON\n  level: debug\n");
        assertEquals(new LogSettings(LogSettings.Format.JSON, Level.DEBUG), c.logging());
        assertEquals(c.logging(), c.withListener(null, 1).withCluster(null).withDrainTimeout(1).logging());
        assertEquals(Level.INFO, ConfigLoader.parse("t.yaml", KEYS + "logging: { format: json }\n").logging().level());
    }

    @Test
    void loggingSettingsAreValidatedWithTheirLine() {
        assertRefused(KEYS + "logging:\n  format: xml\n", "t.yaml:5", "logging.format", "text or json", "'xml'");
        assertRefused(KEYS + "logging:\n  level: loud\n", "t.yaml:5", "logging.level", "'loud'");
        assertRefused(KEYS + "logging:\n  colour: true\n", "t.yaml:5", "colour");
    }
}
