package dev.hubbub.server.ablyjs;

import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An ably-js script run once per wire format against one in-process broker, before the class's
 * tests, which read what it observed from {@link #node}: the broker has one key allowed everything
 * unless {@link #config} says otherwise, and the script gets {@code --port P --key KEY} plus
 * {@link #extraArgs}. Every such test first checks that each run completed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OneBrokerAblyJsTest {
    private static final long NODE_TIMEOUT_SECONDS = 45;

    private final String script;
    /** The key the script connects with, {@code name:secret}. */
    protected final String key;
    protected AblyJsScript node;
    private BrokerApp app;

    protected OneBrokerAblyJsTest(String script, String key) {
        this.script = script;
        this.key = key;
    }

    /** The broker the script runs against. */
    protected BrokerConfig config() { return AblyJsScript.oneKeyBroker(key); }

    /** Arguments for the script besides the port and the key. */
    protected List<String> extraArgs() { return List.of(); }

    @BeforeAll
    void runAblyJs() throws Exception {
        node = new AblyJsScript(script, NODE_TIMEOUT_SECONDS);
        app = node.runAgainst(config(), key, extraArgs());
    }

    @AfterAll
    void stopBroker() {
        if (app != null) {
            app.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"msgpack", "json"})
    void nodeRunCompleted(String format) {
        node.assertCompleted(format);
    }
}
