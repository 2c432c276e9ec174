package dev.hubbub.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.limits.ClientIdLimits;
import org.junit.jupiter.api.Test;

/** {@code apps.<app>}: limits per person, off by default, only for apps with keys, each bad value named with its line. */
class ClientIdLimitsConfigTest {
    private static final String KEYS = """
            keys:
              - name: "app1.k"
                secret: "s"
              - name: "app2.k"
                secret: "s"
            """;

    @Test
    void offWhenAbsent() throws Exception {
        assertSame(ClientIdLimits.OFF, ConfigLoader.parse("t.yaml", KEYS).clientIdLimits());
    }

    @Test
    void perApp() throws Exception {
        ClientIdLimits l = ConfigLoader.parse("t.yaml", KEYS + """
                apps:
                  app1:
                    maxConnectionsPerClientId: 5
                    onConnectionLimit: closeOldest
                    maxPublishRatePerClientId: 50
                  app2:
                    maxConnectionsPerClientId: 2
                """).withListener("0.0.0.0", 0).withDrainTimeout(5).clientIdLimits();
        assertEquals(5, l.maxConnections("app1"));
        assertEquals(ClientIdLimits.OnConnectionLimit.CLOSE_OLDEST, l.onLimit("app1"));
        assertEquals(50, l.maxPublishRate("app1"));
        assertEquals(2, l.maxConnections("app2"));
        assertEquals(ClientIdLimits.OnConnectionLimit.REFUSE, l.onLimit("app2"), "refuse unless said otherwise");
        assertEquals(0, l.maxPublishRate("app2"));
        assertEquals(0, l.maxConnections("app3"));
    }

    private static String refused(String apps) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse("t.yaml", KEYS + apps)).getMessage();
    }

    @Test
    void badValuesAreNamedWithTheirLine() {
        String unknownApp = refused("apps:\n  app3:\n    maxConnectionsPerClientId: 1\n");
        assertTrue(unknownApp.contains("t.yaml:7") && unknownApp.contains("apps.app3") && unknownApp.contains("app1, app2"),
                unknownApp);
        String zero = refused("apps:\n  app1:\n    maxPublishRatePerClientId: 1\n  app2:\n    maxPublishRatePerClientId: 0\n");
        assertTrue(zero.contains("t.yaml:10") && zero.contains("apps.app2.maxPublishRatePerClientId"), zero);
        String policy = refused("apps:\n  app1:\n    maxConnectionsPerClientId: 1\n    onConnectionLimit: kickOldest\n");
        assertTrue(policy.contains("t.yaml:9") && policy.contains("refuse or closeOldest"), policy);
        String alone = refused("apps:\n  app1:\n    onConnectionLimit: refuse\n");
        assertTrue(alone.contains("needs maxConnectionsPerClientId"), alone);
        String typo = refused("apps:\n  app1:\n    maxConnectionPerClientId: 1\n");
        assertTrue(typo.contains("t.yaml:8") && typo.contains("maxConnectionPerClientId"), typo);
    }
}
