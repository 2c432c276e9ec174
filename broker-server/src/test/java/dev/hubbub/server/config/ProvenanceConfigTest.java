package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.identity.Provenance;
import org.junit.jupiter.api.Test;

/** {@code provenance}: off by default; on per app or per channel pattern of an app; names only apps with keys. */
class ProvenanceConfigTest {
    private static final String KEYS = """
            keys:
              - name: "app1.k"
                secret: "s"
              - name: "app2.k"
                secret: "s"
            """;

    @Test
    void offWhenAbsent() throws Exception {
        assertSame(Provenance.OFF, ConfigLoader.parse("t.yaml", KEYS).provenance());
    }

    @Test
    void onForWholeAppsAndForChannelPatternsOfAnApp() throws Exception {
        Provenance p = ConfigLoader.parse("t.yaml", KEYS + """
                provenance:
                  apps: [app1]
                  channels:
                    app2: ["audit:*", orders]
                """).provenance();
        assertTrue(p.isOn(new ChannelKey("app1", "anything")));
        assertTrue(p.isOn(new ChannelKey("app2", "audit:eu")));
        assertTrue(p.isOn(new ChannelKey("app2", "orders")));
        assertFalse(p.isOn(new ChannelKey("app2", "chat")));
    }

    @Test
    void keptAcrossTheOtherWithers() throws Exception {
        BrokerConfig c = ConfigLoader.parse("t.yaml", KEYS + "provenance:\n  apps: [app1]\n").withListener("0.0.0.0", 0)
                .withDrainTimeout(5).withTls(null, false).withCluster(null);
        assertTrue(c.provenance().isOn(new ChannelKey("app1", "x")));
    }

    @Test
    void anAppWithoutAKeyIsRefusedWithItsLine() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("t.yaml", KEYS + "provenance:\n  apps: [app3]\n"));
        assertTrue(e.getMessage().contains("t.yaml:7") && e.getMessage().contains("provenance.apps")
                && e.getMessage().contains("app3"), e.getMessage());
        ConfigException c = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("t.yaml", KEYS + "provenance:\n  channels:\n    apq: [x]\n"));
        assertTrue(c.getMessage().contains("provenance.channels") && c.getMessage().contains("apq"), c.getMessage());
    }

    @Test
    void anEmptyPatternListOrPatternIsRefused() {
        for (String channels : new String[] {"[]", "[\"\"]"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> ConfigLoader.parse("t.yaml", KEYS + "provenance:\n  channels:\n    app1: " + channels + "\n"));
            assertTrue(e.getMessage().contains("t.yaml:8") && e.getMessage().contains("provenance.channels.app1"), e.getMessage());
        }
    }

    @Test
    void anUnknownSettingIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("t.yaml", KEYS + "provenance:\n  app: [app1]\n"));
        assertTrue(e.getMessage().contains("unknown setting") && e.getMessage().contains("app"), e.getMessage());
    }
}
