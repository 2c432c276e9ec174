package dev.hubbub.transport.http;

import dev.hubbub.core.protocol.ErrorCode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener's only handler: answers each request with the first of its routes that
 * takes it ({@code /metrics}, {@code /health}, {@code /ready}), else 404. No WebSocket upgrade, no
 * REST API, no CORS. Routes answer at once, on this listener's own event loop.
 */
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);

    private final List<RestHandler.Route> routes;

    public AdminHandler(List<RestHandler.Route> routes) {
        this.routes = List.copyOf(routes);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            HttpResponses.reply(ctx, HttpResponses.error(ErrorCode.BAD_REQUEST.info("Malformed HTTP request")), false);
            return;
        }
        HttpResponses.reply(ctx, answer(request), keepAlive);
    }

    private FullHttpResponse answer(FullHttpRequest request) {
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        List<String> segments;
        try {
            segments = RestHandler.segments(query.rawPath());
        } catch (IllegalArgumentException badEscape) { // never echo the URI
            return HttpResponses.error(ErrorCode.BAD_REQUEST.info("Malformed request URI (bad percent-encoding)"));
        }
        try {
            for (RestHandler.Route route : routes) {
                FullHttpResponse r = route.handle(request, segments, query);
                if (r != null) {
                    return r;
                }
            }
        } catch (RuntimeException e) {
            log.warn("admin request failed: {}", e.getClass().getSimpleName());
            return HttpResponses.error(ErrorCode.INTERNAL.info("Internal error handling the request"));
        }
        return HttpResponses.error(ErrorCode.NOT_FOUND.info("No such endpoint on the admin listener: " + request.method()
                + " " + query.rawPath() + " (it serves GET /metrics, /health and /ready)"));
    }


    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection error: {}", cause.getClass().getSimpleName());
        ctx.close();
    }
}
