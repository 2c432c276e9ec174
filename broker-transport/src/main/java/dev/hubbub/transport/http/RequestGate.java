package dev.hubbub.transport.http;

import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides from a request's head alone whether its body may be read, so that nobody without
 * credentials can make the broker buffer a body. Sits between the HTTP codec and the aggregator.
 *
 * <p>Requests without a body (WebSocket upgrades, GET, preflights) pass untouched. A request with
 * one (Content-Length above 0, or chunked) passes only when:
 * <ul>
 *   <li>it is {@code POST /keys/{keyName}/requestToken} for a key this broker holds (a signed
 *       TokenRequest carries no credentials in its headers), with a body of at most
 *       {@link Settings#maxTokenRequestBytes}; an unknown key is refused as the token route would
 *       refuse it (40101);</li>
 *   <li>or its headers authenticate it ({@link RestAuth#authenticate}; Basic with a key for
 *       revokeTokens), with a body of at most {@link Settings#maxRequestBytes}.</li>
 * </ul>
 * A refused request is answered at once with its error (with CORS headers, as browsers call the
 * REST API) and {@code Connection: close}, instead of any {@code 100 Continue}; nothing more is
 * read from the connection, which closes once the answer is written. A Content-Length over the
 * cap is 413 (40009) at once; a chunked body that passes it, 413 when it does.
 *
 * <p>Body deadline: from the head, the whole body must arrive within
 * {@link Settings#bodyTimeoutMillis}, else 408 (40800) and close, so a body that trickles in
 * holds nothing for long.
 *
 * <p>Routes are matched on the path split and decoded as {@link RestHandler} does. Nothing is
 * logged of the path or the credentials.
 *
 * <p>Thread: one instance per connection; all state is read and written on its event loop.
 */
public final class RequestGate extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestGate.class);

    /**
     * @param maxRequestBytes      body cap of an authenticated request
     * @param maxTokenRequestBytes body cap of a requestToken (sent without credentials)
     * @param bodyTimeoutMillis    time from a request's head to the end of its body
     */
    public record Settings(int maxRequestBytes, int maxTokenRequestBytes, long bodyTimeoutMillis) {}

    private final RestAuth auth;
    private final Settings settings;

    /** A request was refused: everything after it is dropped until the connection closes. */
    private boolean refused;
    /** The body of an admitted request is on its way through. */
    private boolean inBody;
    private long cap;
    private long received;
    /** The headers of the request whose body is on its way (for the CORS headers of a late refusal). */
    private HttpHeaders headers;
    private ScheduledFuture<?> deadline;

    public RequestGate(RestAuth auth, Settings settings) {
        this.auth = auth;
        this.settings = settings;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
        } else if (msg instanceof HttpRequest request && !(msg instanceof HttpContent)) {
            head(ctx, request);
        } else if (msg instanceof HttpContent content && inBody) {
            body(ctx, content);
        } else { // the end of a bodiless request, an already complete (malformed) request, WebSocket frames
            ctx.fireChannelRead(msg);
        }
    }

    private void head(ChannelHandlerContext ctx, HttpRequest request) {
        if (!request.decoderResult().isSuccess()) { // answered by the entry handler, which never echoes the request
            ctx.fireChannelRead(request);
            return;
        }
        long length;
        try {
            length = HttpUtil.isTransferEncodingChunked(request) ? -1 : HttpUtil.getContentLength(request, 0L);
        } catch (NumberFormatException e) {
            refuse(ctx, request.headers(), ErrorCode.BAD_REQUEST.info("Invalid Content-Length"));
            return;
        }
        if (length == 0) {
            ctx.fireChannelRead(request);
            return;
        }
        Outcome<Integer> admitted = admit(request);
        if (!admitted.isOk()) {
            refuse(ctx, request.headers(), admitted.error());
            return;
        }
        if (length > admitted.value()) {
            refuse(ctx, request.headers(), tooLarge(admitted.value()));
            return;
        }
        inBody = true;
        cap = admitted.value();
        received = 0;
        headers = request.headers();
        deadline = ctx.executor().schedule(() -> timedOut(ctx), settings.bodyTimeoutMillis(), TimeUnit.MILLISECONDS);
        ctx.fireChannelRead(request);
    }

    /** The body cap for a request with a body, or why its body is not to be read. */
    private Outcome<Integer> admit(HttpRequest request) {
        List<String> segments;
        try {
            segments = RestHandler.segments(new QueryStringDecoder(request.uri()).rawPath());
        } catch (IllegalArgumentException badEscape) {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "Malformed request URI (bad percent-encoding)");
        }
        if (request.method().equals(HttpMethod.POST) && TokenRoute.matches(segments)) {
            if (!auth.knowsKey(segments.get(1))) {
                log.debug("requestToken for an unknown key refused before its body");
                return Outcome.fail(TokenAuthority.unknownKey());
            }
            return Outcome.ok(settings.maxTokenRequestBytes());
        }
        ErrorInfo unauthenticated = RevokeTokensRoute.matches(segments)
                ? RevokeTokensRoute.authenticate(auth, request.headers()).error()
                : auth.authenticate(request.headers()).error();
        if (unauthenticated != null) {
            log.debug("request body refused before reading: {}", unauthenticated.code());
            return Outcome.fail(unauthenticated);
        }
        return Outcome.ok(settings.maxRequestBytes());
    }

    private void body(ChannelHandlerContext ctx, HttpContent content) {
        received += content.content().readableBytes();
        if (received > cap) {
            content.release();
            refuse(ctx, headers, tooLarge(cap));
            return;
        }
        if (content instanceof LastHttpContent) {
            endBody();
        }
        ctx.fireChannelRead(content);
    }

    private void timedOut(ChannelHandlerContext ctx) {
        if (inBody && !refused) {
            log.debug("request body not received within {} ms; closing", settings.bodyTimeoutMillis());
            refuse(ctx, headers, ErrorCode.REQUEST_TIMEOUT.info("Request body not received within "
                    + settings.bodyTimeoutMillis() + " ms"));
        }
    }

    private static ErrorInfo tooLarge(long cap) {
        return ErrorCode.MESSAGE_TOO_LARGE.info("Request body larger than " + cap + " bytes");
    }

    /** Answers now, reads nothing more, closes once the answer is out. */
    private void refuse(ChannelHandlerContext ctx, HttpHeaders requestHeaders, ErrorInfo error) {
        refused = true;
        if (inBody) {
            // the aggregator holds the part of the body let through so far: it goes now, with that part
            // (nothing more reaches it), rather than complaining of a premature close when the socket goes
            ChannelHandlerContext aggregator = ctx.pipeline().context(HttpObjectAggregator.class);
            if (aggregator != null) {
                ctx.pipeline().remove(aggregator.handler());
            }
        }
        endBody();
        FullHttpResponse response = HttpResponses.error(error);
        Cors.apply(requestHeaders, response);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void endBody() {
        inBody = false;
        headers = null;
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        endBody();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        endBody();
        super.channelInactive(ctx);
    }
}
