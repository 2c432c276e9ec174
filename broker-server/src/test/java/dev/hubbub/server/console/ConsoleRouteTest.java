package dev.hubbub.server.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The console's route on its own: which paths it answers, with what, and which it leaves to the 404. */
class ConsoleRouteTest {
    private final ConsoleRoute route = new ConsoleRoute();

    private static FullHttpRequest get(String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    }

    private FullHttpResponse answer(HttpMethod method, String... segments) {
        return route.handle(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/" + String.join("/", segments)),
                List.of(segments), new QueryStringDecoder("/"));
    }

    private FullHttpResponse answer(String... segments) { return answer(HttpMethod.GET, segments); }

    @Test
    void everyListedFileIsInTheBuildAndServedWithItsTypeAndHeaders() throws Exception {
        assertEquals(List.of(), route.missing(), "the build put every console file in the jar");
        for (String file : ConsoleRoute.FILES.keySet()) {
            FullHttpResponse r = answer(("console/" + file).split("/"));
            assertNotNull(r, file);
            assertEquals(200, r.status().code(), file);
            assertEquals(ConsoleRoute.FILES.get(file), r.headers().get("Content-Type"), file);
            assertEquals(ConsoleRoute.CONTENT_SECURITY_POLICY, r.headers().get("Content-Security-Policy"), file);
            assertEquals("nosniff", r.headers().get("X-Content-Type-Options"), file);
            assertEquals("no-cache", r.headers().get("Cache-Control"), file);
            try (InputStream in = getClass().getClassLoader().getResourceAsStream("console/" + file)) {
                assertArrayEquals(in.readAllBytes(), ByteBufUtil.getBytes(r.content()), file);
            }
            r.release();
        }
        assertTrue(ConsoleRoute.FILES.get("vendor/ably.min.js").startsWith("text/javascript"));
        assertTrue(ConsoleRoute.FILES.get("index.html").startsWith("text/html"));
        assertTrue(ConsoleRoute.FILES.get("console.css").startsWith("text/css"));
    }

    @Test
    void theBareConsolePathIsThePage() {
        FullHttpResponse r = answer("console");
        assertEquals(ConsoleRoute.FILES.get("index.html"), r.headers().get("Content-Type"));
        assertTrue(r.content().toString(StandardCharsets.UTF_8).contains("<title>hubbub console</title>"));
        r.release();
    }

    @Test
    void thePolicyNamesNoOtherOrigin() {
        String csp = ConsoleRoute.CONTENT_SECURITY_POLICY;
        assertTrue(csp.startsWith("default-src 'none'"), csp);
        assertFalse(csp.contains("http") || csp.contains("*") || csp.contains("unsafe"), csp);
    }

    @Test
    void anythingElseIsLeftToTheNotFoundAnswer() {
        assertNull(answer("console", "nope.js"));
        assertNull(answer("console", "vendor", "ably.min.js.map"));
        assertNull(answer("console", "vendor"));
        assertNull(answer("console", "..", "config", "broker.yaml"));
        assertNull(answer("console", "vendor", "..", "index.html"));
        assertNull(answer("console", "..", "logback.xml"));
        assertNull(answer("console", "/etc/passwd"));
        assertNull(answer("console", "index.html%00"));
        assertNull(answer("console", "INDEX.HTML"));
        assertNull(answer("consoles"));
        assertNull(answer("logback.xml"));
        assertNull(answer());
        assertNull(answer(HttpMethod.POST, "console"));
        assertNull(answer(HttpMethod.PUT, "console", "index.html"));
    }

    @Test
    void aJarWithoutTheFilesServesNoneAndSaysWhich() {
        ConsoleRoute empty = new ConsoleRoute(new URLClassLoader(new URL[0], null));
        assertEquals(ConsoleRoute.FILES.keySet().stream().sorted().toList(), empty.missing());
        assertNull(empty.handle(get("/console"), List.of("console"), new QueryStringDecoder("/console")));
    }
}
