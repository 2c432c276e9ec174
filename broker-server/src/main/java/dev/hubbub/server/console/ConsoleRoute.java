package dev.hubbub.server.console;

import dev.hubbub.transport.http.HttpResponses;
import dev.hubbub.transport.http.RestHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /console} and {@code /console/FILE}: the web console, static files read once from
 * this jar's {@code console/} resources. Only the files listed in {@link #FILES} are served, each
 * with its own Content-Type: a path is looked up in that list, never resolved against a
 * directory, so {@code ..}, other resources and other files cannot be reached (they get the REST
 * API's 404). No credentials are asked for and none are needed: the page holds no secret and
 * reads nothing from the broker itself; it talks to the broker through the ably-js SDK and the
 * public REST API with whatever key or token its user pastes.
 *
 * <p>Every answer forbids the page to load anything from another origin (Content-Security-Policy),
 * to be framed, or to be sniffed as another type.
 */
public final class ConsoleRoute implements RestHandler.Route {
    /** The resources directory the files are read from. */
    static final String RESOURCES = "console/";

    /** Path under /console -> Content-Type. The empty path is the page itself. */
    static final Map<String, String> FILES = files();

    /** Scripts and styles from this origin only; the SDK's WebSocket and REST calls to this origin only. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Map<String, byte[]> contents = new LinkedHashMap<>();

    private static Map<String, String> files() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("index.html", "text/html; charset=utf-8");
        m.put("console.css", "text/css; charset=utf-8");
        m.put("console.js", "text/javascript; charset=utf-8");
        m.put("panels.js", "text/javascript; charset=utf-8");
        m.put("vendor/ably.min.js", "text/javascript; charset=utf-8");
        m.put("vendor/LICENSE", "text/plain; charset=utf-8");
        return Map.copyOf(m);
    }

    /** Reads the console's files from this class's class loader; a file the build did not put there is not served. */
    public ConsoleRoute() {
        this(ConsoleRoute.class.getClassLoader());
    }

    ConsoleRoute(ClassLoader loader) {
        for (String name : FILES.keySet()) {
            try (InputStream in = loader.getResourceAsStream(RESOURCES + name)) {
                if (in != null) {
                    contents.put(name, in.readAllBytes());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the console resource " + name, e);
            }
        }
    }

    /** The files listed in {@link #FILES} that this jar lacks (none in a jar the Maven build made). */
    public List<String> missing() {
        return FILES.keySet().stream().filter(f -> !contents.containsKey(f)).sorted().toList();
    }

    @Override
    public FullHttpResponse handle(FullHttpRequest request, List<String> segments, QueryStringDecoder query) {
        if (segments.isEmpty() || !segments.get(0).equals("console") || !request.method().equals(HttpMethod.GET)) {
            return null;
        }
        String path = segments.size() == 1 ? "index.html" : String.join("/", segments.subList(1, segments.size()));
        byte[] body = contents.get(path); // an exact entry of FILES, or nothing
        if (body == null) {
            return null;
        }
        FullHttpResponse response = HttpResponses.body(HttpResponseStatus.OK, FILES.get(path), body);
        HttpHeaders h = response.headers();
        h.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("X-Frame-Options", "DENY");
        h.set("Referrer-Policy", "no-referrer");
        // revalidated on each load: a newer broker's console is seen at once
        h.set("Cache-Control", "no-cache");
        return response;
    }
}
