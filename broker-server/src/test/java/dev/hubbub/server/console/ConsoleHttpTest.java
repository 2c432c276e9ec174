package dev.hubbub.server.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.server.config.ConsoleSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code /console} on a real listener: served with its headers on loopback by default, not at
 * all when the config says so or (by default) on a listener others can reach, and only the
 * console's own files: dot segments, encoded or not, and unknown names get the REST API's 404.
 * Requests are written by hand on a socket so that no client library tidies the path first.
 */
class ConsoleHttpTest {
    private static BrokerConfig config(String host) {
        return new BrokerConfig(host, 0, List.of(new ApiKey("app1.k", "secret-console-http", Capability.ALL)),
                Limits.defaults(), 8L * 1024 * 1024, 1);
    }

    /** The status line and headers, then the body, of one GET with this exact request target. */
    private static String get(int port, String target) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void servedOnALoopbackListenerByDefaultWithOnlyItsOwnFiles() throws Exception {
        try (BrokerApp app = new BrokerApp(config("127.0.0.1"), Clock.systemUTC(), new SimpleMeterRegistry())) {
            int port = app.start().getPort();
            assertTrue(app.consoleServed());
            String page = get(port, "/console");
            assertTrue(page.startsWith("HTTP/1.1 200"), page);
            assertTrue(page.contains("content-type: text/html; charset=utf-8") || page.contains("Content-Type: text/html; charset=utf-8"), page);
            assertTrue(page.toLowerCase().contains("content-security-policy: default-src 'none'"), page);
            assertTrue(page.toLowerCase().contains("x-content-type-options: nosniff"), page);
            assertTrue(page.contains("<title>hubbub console</title>"), page);
            assertTrue(get(port, "/console/").startsWith("HTTP/1.1 200"));
            String sdk = get(port, "/console/vendor/ably.min.js");
            assertTrue(sdk.startsWith("HTTP/1.1 200") && sdk.contains("Ably JavaScript Library v2.28.0"), sdk.substring(0, 300));
            assertTrue(get(port, "/console/vendor/LICENSE").contains("Apache License"));

            for (String target : List.of("/console/../config/broker.yaml", "/console/%2e%2e/%2e%2e/config/broker.yaml",
                    "/console/..%2f..%2fpom.xml", "/console/vendor/../../logback.xml", "/console/nope.js",
                    "/console/vendor/ably.min.js.map", "/console/vendor/", "/logback.xml", "/console/%2fetc%2fpasswd")) {
                String answer = get(port, target);
                assertTrue(answer.startsWith("HTTP/1.1 404"), target + " -> " + answer);
                assertFalse(answer.contains("keys:") || answer.contains("<configuration"), target + " leaked a file");
            }
        }
    }

    @Test
    void notServedWhenTheConfigSaysNoEvenOnLoopback() throws Exception {
        BrokerConfig off = config("127.0.0.1").withConsole(new ConsoleSettings(false));
        try (BrokerApp app = new BrokerApp(off, Clock.systemUTC(), new SimpleMeterRegistry())) {
            int port = app.start().getPort();
            assertFalse(app.consoleServed());
            assertTrue(get(port, "/console").startsWith("HTTP/1.1 404"));
            assertTrue(get(port, "/console/vendor/ably.min.js").startsWith("HTTP/1.1 404"));
            assertTrue(get(port, "/health").startsWith("HTTP/1.1 200"), "the rest of the port still answers");
        }
    }

    @Test
    void offByDefaultOnAListenerOthersCanReachUnlessEnabled() {
        // not started: nothing binds to every interface in a test
        try (BrokerApp app = new BrokerApp(config("0.0.0.0"), Clock.systemUTC(), new SimpleMeterRegistry())) {
            assertFalse(app.consoleServed());
        }
        BrokerConfig on = config("0.0.0.0").withConsole(new ConsoleSettings(true));
        try (BrokerApp app = new BrokerApp(on, Clock.systemUTC(), new SimpleMeterRegistry())) {
            assertTrue(app.consoleServed());
        }
    }
}
