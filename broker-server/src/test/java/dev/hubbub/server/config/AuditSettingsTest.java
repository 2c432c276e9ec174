package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.identity.IdentityAudit;
import org.junit.jupiter.api.Test;

/** {@code audit}: the [meta]identity streams' rate, 20 a second by default, 0 for off, refused out of bounds with its line. */
class AuditSettingsTest {
    private static final String KEYS = """
            keys:
              - name: "app1.k"
                secret: "s"
            """;

    @Test
    void twentyASecondWhenAbsent() throws Exception {
        assertEquals(IdentityAudit.DEFAULT_MAX_EVENTS_PER_SECOND, ConfigLoader.parse("t.yaml", KEYS).audit().maxEventsPerSecond());
        assertEquals(20, IdentityAudit.DEFAULT_MAX_EVENTS_PER_SECOND);
    }

    @Test
    void setAndKeptAcrossTheOtherWithers() throws Exception {
        BrokerConfig c = ConfigLoader.parse("t.yaml", KEYS + "audit:\n  maxEventsPerSecond: 0\n").withListener("0.0.0.0", 0)
                .withDrainTimeout(5).withTls(null, false).withCluster(null).withLogging(LogSettings.DEFAULTS);
        assertEquals(0, c.audit().maxEventsPerSecond());
    }

    @Test
    void outOfBoundsOrUnknownIsRefusedWithItsLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("t.yaml", KEYS + "audit:\n  maxEventsPerSecond: -1\n"));
        assertTrue(e.getMessage().contains("t.yaml:5") && e.getMessage().contains("audit.maxEventsPerSecond"), e.getMessage());
        ConfigException big = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("t.yaml", KEYS + "audit:\n  maxEventsPerSecond: 1001\n"));
        assertTrue(big.getMessage().contains("audit.maxEventsPerSecond"), big.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("t.yaml", KEYS + "audit:\n  perSecond: 5\n"));
        assertTrue(unknown.getMessage().contains("audit.perSecond"), unknown.getMessage());
    }
}
