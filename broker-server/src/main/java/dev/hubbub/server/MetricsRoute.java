package dev.hubbub.server;

import dev.hubbub.transport.http.HttpResponses;
import dev.hubbub.transport.http.RestHandler;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** {@code GET /metrics}: the broker's meters in Prometheus text format. */
final class MetricsRoute implements RestHandler.Route {
    private final PrometheusMeterRegistry registry;

    MetricsRoute(PrometheusMeterRegistry registry) { this.registry = registry; }

    @Override
    public FullHttpResponse handle(FullHttpRequest request, List<String> segments, QueryStringDecoder query) {
        if (segments.size() != 1 || !segments.get(0).equals("metrics") || !request.method().equals(HttpMethod.GET)) {
            return null;
        }
        return HttpResponses.body(HttpResponseStatus.OK, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape().getBytes(StandardCharsets.UTF_8));
    }
}
