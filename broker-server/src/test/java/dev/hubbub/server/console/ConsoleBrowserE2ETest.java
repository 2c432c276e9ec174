package dev.hubbub.server.console;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web console in two real browsers (headless Chromium, separate profiles) against one broker
 * on a loopback ephemeral port, with its default config: the console is on because the listener
 * is loopback. Screenshots go to {@code broker-server/target/console-screenshots/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserE2ETest {
    private static final String APP_A_KEY = "appa.all:secret-console-a";
    private static final String APP_B_KEY = "appb.all:secret-console-b";

    private BrokerApp app;
    private int port;
    private ConsoleBrowser alice;
    private ConsoleBrowser bob;

    @BeforeAll
    void start() throws Exception {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(
                new ApiKey("appa.all", "secret-console-a", Capability.ALL),
                new ApiKey("appb.all", "secret-console-b", Capability.ALL)), Limits.defaults(), 8L * 1024 * 1024, 2);
        app = new BrokerApp(config, Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        port = app.start().getPort();
        alice = new ConsoleBrowser();
        bob = new ConsoleBrowser();
    }

    @AfterAll
    void stop() {
        try (ConsoleBrowser a = alice; ConsoleBrowser b = bob) {
            // both browsers closed (Chromium and chromedriver ended), then the broker
        } finally {
            if (app != null) {
                app.close();
            }
        }
    }

    @Test
    @Order(1)
    void aliceIsSeenAsAliceRefusedAsBobPresentAndCounted() throws Exception {
        alice.open(port);
        alice.waitFor(d -> "live".equals(alice.byTestId("node-status").getAttribute("data-state")));
        int before = Integer.parseInt(alice.text("node-connections"));

        alice.connectWithKey(APP_A_KEY, "alice");
        alice.waitFor(d -> alice.text("identity").equals("identified as alice"));
        assertEquals("identified", alice.byTestId("identity").getAttribute("data-kind"));
        assertFalse(alice.text("conn-id").isBlank() || alice.text("conn-id").equals("-"), "a connectionId is shown");

        bob.open(port);
        bob.connectWithKey(APP_A_KEY, "bob");
        bob.waitFor(d -> bob.text("identity").equals("identified as bob"));
        alice.attach("room");
        bob.attach("room");

        // the node panel follows /metrics: two more connections than before
        alice.waitFor(d -> Integer.parseInt(alice.text("node-connections")) >= before + 2);

        alice.publish("room", "hello from alice", "");
        bob.waitFor(d -> !logItems(bob, "room", "alice", "hello from alice").isEmpty());
        alice.waitFor(d -> alice.text("publish-result").contains("done"));

        // a masquerade: alice claims bob's clientId; the broker refuses it and the page shows the code
        alice.publish("room", "alice pretending", "bob");
        alice.waitFor(d -> alice.text("publish-result").contains("refused"));
        assertTrue(alice.text("publish-result").contains("40012"), alice.text("publish-result"));
        assertTrue(logItems(bob, "room", "bob", "alice pretending").isEmpty(), "the refused message reached nobody");

        alice.click("presence-enter");
        bob.waitFor(d -> !bob.driver().findElements(By.cssSelector("#presence-members li[data-client-id='alice']")).isEmpty());
        alice.waitFor(d -> !alice.driver().findElements(By.cssSelector("#presence-members li[data-client-id='alice']")).isEmpty());

        // without a capability naming [meta]identity the Identity panel says so and shows the counters
        alice.waitFor(d -> "refused".equals(alice.byTestId("audit-status").getAttribute("data-state")));
        alice.waitFor(d -> !alice.driver().findElements(By.cssSelector("#rejected tr[data-reason]")).isEmpty());

        alice.screenshot("alice");
        bob.screenshot("bob");
        alice.driver().executeScript("document.getElementById('node').scrollIntoView()");
        alice.screenshot("alice-node");
    }

    @Test
    @Order(2)
    void aPageConnectedWithOneAppsKeySeesNothingOfAnotherApp() throws Exception {
        alice.open(port);
        alice.connectWithKey(APP_A_KEY, "alice");
        alice.attach("room");
        bob.open(port);
        bob.connectWithKey(APP_B_KEY, "eve");
        bob.attach("room");

        // app B on a channel of the same name: a message and a presence member, both seen by app B itself
        bob.publish("room", "app B only", "");
        bob.waitFor(d -> !logItems(bob, "room", "eve", "app B only").isEmpty());
        bob.click("presence-enter");
        bob.waitFor(d -> !bob.driver().findElements(By.cssSelector("#presence-members li[data-client-id='eve']")).isEmpty());

        // app A's page gets its own traffic on "room" after app B's, and none of app B's
        alice.click("presence-enter");
        alice.waitFor(d -> !alice.driver().findElements(By.cssSelector("#presence-members li[data-client-id='alice']")).isEmpty());
        alice.publish("room", "app A marker", "");
        alice.waitFor(d -> !logItems(alice, "room", "alice", "app A marker").isEmpty());
        assertTrue(logItems(alice, "room", "eve", "app B only").isEmpty(), "app A's page saw app B's message");
        assertTrue(alice.driver().findElements(By.cssSelector("#presence-members li[data-client-id='eve']")).isEmpty(),
                "app A's page lists app B's member");
        assertTrue(bob.driver().findElements(By.cssSelector("#presence-members li[data-client-id='alice']")).isEmpty(),
                "app B's page lists app A's member");
        alice.screenshot("app-a-isolated");
        bob.screenshot("app-b-isolated");
    }

    @Test
    @Order(3)
    void tokensMintedInThePageConnectAsTheirClientId() throws Exception {
        bob.open(port);
        bob.type("token-key", APP_A_KEY);
        bob.type("token-client-id", "carol");
        bob.click("make-token-request");
        bob.waitFor(d -> bob.byTestId("token-output").getAttribute("value").contains("\"nonce\""));
        assertFalse(bob.byTestId("token-output").getAttribute("value").contains("secret-console-a"),
                "a TokenRequest carries no secret");
        bob.click("use-token");
        bob.click("connect");
        bob.waitFor(d -> bob.text("identity").equals("identified as carol"));

        bob.click("request-token");
        bob.waitFor(d -> bob.byTestId("token-output").getAttribute("value").contains("\"token\""));
        bob.click("use-token");
        assertEquals("true", bob.byTestId("cred-token").getAttribute("checked") == null ? "false" : "true");
        bob.click("connect");
        bob.waitFor(d -> bob.text("conn-state").equals("connected") && bob.text("identity").equals("identified as carol"));
        bob.screenshot("tokens");
    }

    /** Entries of the page's message log for a channel, clientId and data. */
    private static List<WebElement> logItems(ConsoleBrowser b, String channel, String clientId, String data) {
        return b.driver().findElements(By.cssSelector("#message-log li[data-channel='" + channel + "'][data-client-id='"
                + clientId + "']")).stream().filter(e -> e.getText().contains(data)).toList();
    }
}
