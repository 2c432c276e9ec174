package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code console.enabled}: on by default only for a loopback listener; an explicit setting wins. */
class ConsoleSettingsTest {
    private static final String KEYS = """
            keys:
              - name: "app1.k"
                secret: "s"
            """;

    @Test
    void byDefaultServedOnLoopbackOnly() throws Exception {
        ConsoleSettings absent = ConfigLoader.parse("t.yaml", KEYS).console();
        assertEquals(ConsoleSettings.DEFAULTS, absent);
        for (String loopback : new String[] {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1"}) {
            assertTrue(absent.servedOn(loopback), loopback);
        }
        for (String other : new String[] {"0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.org", "127.0.0.1.example.org", ""}) {
            assertFalse(absent.servedOn(other), other);
        }
    }

    @Test
    void anExplicitSettingWinsEitherWay() throws Exception {
        BrokerConfig on = ConfigLoader.parse("t.yaml", KEYS + "server:\n  host: 0.0.0.0\nconsole:\n  enabled: true\n");
        assertTrue(on.console().servedOn(on.host()));
        BrokerConfig off = ConfigLoader.parse("t.yaml", KEYS + "console:\n  enabled: false\n");
        assertFalse(off.console().servedOn(off.host()));
        // and kept by the other copies
        assertFalse(off.withListener("127.0.0.1", 0).withDrainTimeout(5).withAudit(null).console().servedOn("127.0.0.1"));
        assertTrue(ConfigLoader.parse("t.yaml", KEYS + "console: {}\n").console().servedOn("127.0.0.1"));
    }

    @Test
    void anUnknownSettingOrValueIsRefused() {
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("t.yaml", KEYS + "console:\n  enable: true\n"));
        assertTrue(unknown.getMessage().contains("t.yaml:5") && unknown.getMessage().contains("enable"), unknown.getMessage());
        ConfigException value = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("t.yaml", KEYS + "console:\n  enabled: sometimes\n"));
        assertTrue(value.getMessage().contains("console.enabled"), value.getMessage());
    }
}
