package dev.hubbub.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.health.Readiness;
import dev.hubbub.transport.http.HttpResponses;
import dev.hubbub.transport.http.RestHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/**
 * {@code GET /ready}, for load balancers and orchestrators: 200 {@code {"status":"ready","failing":[]}}
 * when every readiness check passes, else 503 {@code {"status":"not ready","failing":[names]}}.
 * No credentials (it tells nothing but check names).
 */
final class ReadyRoute implements RestHandler.Route {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Readiness readiness;

    ReadyRoute(Readiness readiness) { this.readiness = readiness; }

    @Override
    public FullHttpResponse handle(FullHttpRequest request, List<String> segments, QueryStringDecoder query) {
        if (segments.size() != 1 || !segments.get(0).equals("ready") || !request.method().equals(HttpMethod.GET)) {
            return null;
        }
        List<String> failing = readiness.failing();
        ObjectNode body = JSON.createObjectNode().put("status", failing.isEmpty() ? "ready" : "not ready");
        failing.forEach(body.putArray("failing")::add);
        return HttpResponses.json(failing.isEmpty() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                body.toString());
    }
}
