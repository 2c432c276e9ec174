package dev.hubbub.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.health.Readiness;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@code GET /ready} on the route itself: the status and body follow the readiness checks. */
class ReadyRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Readiness readiness = new Readiness();
    private final ReadyRoute route = new ReadyRoute(readiness);

    private FullHttpResponse handle(HttpMethod method, String uri) {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
        try {
            QueryStringDecoder query = new QueryStringDecoder(uri);
            List<String> segments = List.of(query.path().substring(1).split("/"));
            return route.handle(request, segments, query);
        } finally {
            request.release();
        }
    }

    private static JsonNode body(FullHttpResponse response) throws Exception {
        try {
            assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
            return JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void readyWhenEveryCheckPasses() throws Exception {
        readiness.register("listening", () -> true);
        FullHttpResponse r = handle(HttpMethod.GET, "/ready");
        assertEquals(200, r.status().code());
        assertEquals(JSON.readTree("{\"status\":\"ready\",\"failing\":[]}"), body(r));
    }

    @Test
    void unavailableNamingEachFailingCheckUntilItPasses() throws Exception {
        AtomicBoolean redis = new AtomicBoolean(false);
        readiness.register("listening", () -> false).register("redis", redis::get).register("fine", () -> true);
        FullHttpResponse r = handle(HttpMethod.GET, "/ready");
        assertEquals(503, r.status().code());
        assertEquals(JSON.readTree("{\"status\":\"not ready\",\"failing\":[\"listening\",\"redis\"]}"), body(r));

        redis.set(true);
        FullHttpResponse again = handle(HttpMethod.GET, "/ready?verbose=1");
        assertEquals(503, again.status().code());
        assertEquals(List.of("listening"), List.of(body(again).path("failing").get(0).textValue()));
    }

    @Test
    void checkNamesAreEscapedInTheBody() throws Exception {
        readiness.register("quote\"d", () -> false);
        assertEquals("quote\"d", body(handle(HttpMethod.GET, "/ready")).path("failing").get(0).textValue());
    }

    @Test
    void passesOnOtherMethodsAndPaths() {
        readiness.register("listening", () -> false);
        assertNull(handle(HttpMethod.POST, "/ready"));
        assertNull(handle(HttpMethod.HEAD, "/ready"));
        assertNull(handle(HttpMethod.GET, "/ready/now"));
        assertNull(handle(HttpMethod.GET, "/readiness"));
    }
}
