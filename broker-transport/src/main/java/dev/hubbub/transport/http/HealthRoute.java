package dev.hubbub.transport.http;

import dev.hubbub.core.session.BrokerMetrics;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/**
 * {@code GET /health}: 200 {@code {"status":"ok","connections":N}} while the process runs. No
 * credentials. Served on the public listener, or on the admin listener when there is one.
 */
public final class HealthRoute implements RestHandler.Route {
    private final BrokerMetrics metrics;

    public HealthRoute(BrokerMetrics metrics) { this.metrics = metrics; }

    @Override
    public FullHttpResponse handle(FullHttpRequest request, List<String> segments, QueryStringDecoder query) {
        if (segments.size() != 1 || !segments.get(0).equals("health") || !request.method().equals(HttpMethod.GET)) {
            return null;
        }
        return HttpResponses.json(HttpResponseStatus.OK, "{\"status\":\"ok\",\"connections\":" + metrics.connections() + "}");
    }
}
