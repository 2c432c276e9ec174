package dev.hubbub.transport.ws;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.core.session.Connector;
import dev.hubbub.core.session.Limits;
import dev.hubbub.transport.BrokerServer;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import dev.hubbub.transport.http.Cors;
import dev.hubbub.transport.http.HttpResponses;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.tls.TransportSecurity;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * First handler for every HTTP request: a WebSocket upgrade on {@code /} becomes a realtime
 * connection (the upgrade is always accepted; authentication failures are reported inside the
 * protocol), anything else goes to the REST API.
 */
public final class HttpEntryHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpEntryHandler.class);

    private final Connector connector;
    private final RestHandler rest;
    private final Limits limits;
    private final BrokerServer.Options options;
    private final BacklogLimit backlog;
    private final TransportSecurity security;

    public HttpEntryHandler(Connector connector, RestHandler rest, Limits limits, BrokerServer.Options options) {
        this(connector, rest, limits, options, TransportSecurity.NONE);
    }

    public HttpEntryHandler(Connector connector, RestHandler rest, Limits limits, BrokerServer.Options options,
                            TransportSecurity security) {
        this(connector, rest, limits, options, security, BacklogLimit.fixed(options.maxBacklogBytes()));
    }

    /** @param backlog what a connection may have unsent: the listener's, which its memory check lowers under pressure */
    public HttpEntryHandler(Connector connector, RestHandler rest, Limits limits, BrokerServer.Options options,
                            TransportSecurity security, BacklogLimit backlog) {
        this.connector = connector;
        this.rest = rest;
        this.limits = limits;
        this.options = options;
        this.security = security;
        this.backlog = backlog;
    }

    /** Whether this connection is TLS (the listener's SslHandler is in its pipeline). */
    private static boolean isTls(ChannelHandlerContext ctx) {
        return ctx.pipeline().get(SslHandler.class) != null;
    }

    /** With refuseKeyOverPlaintext: the 40103 for an API key on a connection that is not TLS, else null. */
    private ErrorInfo keyOverPlaintext(ChannelHandlerContext ctx, boolean sendsKey) {
        if (!sendsKey || !security.refuseKeyOverPlaintext() || isTls(ctx)) {
            return null;
        }
        return ErrorCode.BASIC_AUTH_WITHOUT_TLS.info(
                "Invalid use of Basic auth over non-TLS transport: this broker accepts an API key only over TLS"
                        + " (wss://, https://); use TLS, or a token");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            FullHttpResponse refused = HttpResponses.error(malformed(request.decoderResult().cause()));
            Cors.apply(request, refused);
            HttpResponses.reply(ctx, refused, false);
            return;
        }
        if (isWebSocketUpgrade(request)) {
            try {
                upgrade(ctx, request);
            } catch (RuntimeException badUpgrade) { // bad escapes, missing handshake headers: never echo the URI
                log.debug("malformed WebSocket upgrade: {}", badUpgrade.getClass().getSimpleName());
                HttpResponses.reply(ctx, HttpResponses.error(ErrorCode.BAD_REQUEST.info(
                        "Malformed WebSocket upgrade request (bad URI encoding or handshake headers)")), false);
            }
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.method().equals(HttpMethod.OPTIONS)) {
            FullHttpResponse response = HttpResponses.body(HttpResponseStatus.NO_CONTENT, "text/plain", new byte[0]);
            Cors.apply(request, response);
            HttpResponses.reply(ctx, response, keepAlive);
            return;
        }
        // the answer may complete later, on another thread (a publish in a cluster): only the headers are read then
        HttpHeaders headers = request.headers();
        ErrorInfo insecure = keyOverPlaintext(ctx, isBasicAuth(headers));
        if (insecure != null) {
            FullHttpResponse refused = HttpResponses.error(insecure);
            Cors.apply(headers, refused);
            HttpResponses.reply(ctx, refused, keepAlive);
            return;
        }
        rest.handle(request).whenComplete((response, failure) -> {
            FullHttpResponse r = response != null ? response
                    : HttpResponses.error(ErrorCode.INTERNAL.info("Internal error handling the request"));
            Cors.apply(headers, r);
            HttpResponses.reply(ctx, r, keepAlive);
        });
    }

    /**
     * The answer to a request the codec could not decode. Never quotes the request: its line may
     * carry credentials ({@code ?key=}, {@code ?accessToken=}).
     */
    static ErrorInfo malformed(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return ErrorCode.URI_TOO_LONG.info("Request line longer than " + BrokerServer.MAX_INITIAL_LINE_BYTES
                    + " bytes; send long credentials in the Authorization header");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return ErrorCode.HEADERS_TOO_LARGE.info("Request headers larger than " + BrokerServer.MAX_HEADER_BYTES + " bytes");
        }
        return ErrorCode.BAD_REQUEST.info("Malformed HTTP request");
    }

    static boolean isBasicAuth(HttpHeaders headers) {
        String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
        return authorization != null && authorization.stripLeading().regionMatches(true, 0, "Basic", 0, 5);
    }

    static boolean isWebSocketUpgrade(FullHttpRequest request) {
        return request.method().equals(HttpMethod.GET)
                && request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    /** The last decoder configuration built: immutable, so every connection's frame decoder shares it. */
    private static volatile WebSocketDecoderConfig decoderConfig;

    /**
     * The frame decoders' configuration for {@code maxFrame}: one shared instance rather than one
     * per connection (each connection's decoder keeps a reference to it for its lifetime).
     */
    static WebSocketDecoderConfig decoderConfig(int maxFrame) {
        WebSocketDecoderConfig config = decoderConfig;
        if (config == null || config.maxFramePayloadLength() != maxFrame) {
            config = WebSocketDecoderConfig.newBuilder()
                    .maxFramePayloadLength(maxFrame)
                    .allowExtensions(false)
                    .closeOnProtocolViolation(false)
                    .build();
            decoderConfig = config;
        }
        return config;
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        int maxFrame = limits.maxFrameSize();
        WebSocketDecoderConfig config = decoderConfig(maxFrame);
        String url = (isTls(ctx) ? "wss://" : "ws://") + request.headers().get(HttpHeaderNames.HOST, "localhost") + "/";
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, null, config).newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        String formatParam = param(query, "format");
        WireFormat format = WireFormat.fromParam(formatParam);
        ConnectRequest connect = new ConnectRequest(
                param(query, "key"),
                param(query, "accessToken") != null ? param(query, "accessToken") : param(query, "access_token"),
                param(query, "clientId"),
                formatParam,
                param(query, "v"),
                !"false".equals(param(query, "echo")),
                param(query, "resume"),
                param(query, "recover"),
                remote(ctx),
                longParam(query, "remainPresentFor"));
        boolean rootPath = query.path().equals("/") || query.path().isEmpty();
        // RTN23b: heartbeats=false says the client sees WebSocket pings; without it (a browser sends
        // true, other clients may send nothing) it gets protocol HEARTBEATs
        boolean pingsSuffice = "false".equals(param(query, "heartbeats"));
        handshaker.handshake(ctx.channel(), request).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            ErrorInfo insecure = keyOverPlaintext(ctx, connect.key() != null);
            if (!rootPath || format == null || insecure != null) {
                var error = !rootPath
                        ? ErrorCode.NOT_FOUND.info("No realtime endpoint at " + query.path() + "; connect to /")
                        : format == null ? ErrorCode.BAD_REQUEST.info("Unsupported format '" + formatParam + "'; use json or msgpack")
                        : insecure;
                // JSON: the one format every client can read when the one it asked for is not served
                ctx.pipeline().addLast(PipelineNames.REFUSED, new RefusedHandler());
                connector.refuse("from=" + connect.remoteAddress(), error, new NettyTransport(ctx.channel(),
                        ProtocolCodec.of(format != null ? format : WireFormat.JSON), backlog,
                        options.closeLingerMillis(), limits.maxIdleInterval(), () -> { }));
                return;
            }
            ChannelPipeline p = ctx.pipeline();
            for (String http : new String[] {PipelineNames.HTTP_IDLE, PipelineNames.HTTP_GATE}) {
                if (p.get(http) != null) {
                    p.remove(http);
                }
            }
            // no WebSocketFrameAggregator until a client fragments a message (RealtimeHandler adds one then)
            p.addLast(PipelineNames.REALTIME, new RealtimeHandler(connector, connect, ProtocolCodec.of(format), limits,
                    backlog, options.closeLingerMillis(), pingsSuffice));
            p.remove(this);
        });
    }

    /**
     * After a refused upgrade: answers the client's WebSocket close (an SDK that read the ERROR)
     * so the connection ends then, not when the linger runs out; drops anything else.
     */
    static final class RefusedHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame) {
                ctx.writeAndFlush(new CloseWebSocketFrame(1000, "")).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) { // an HTTP connection that sent nothing for a while
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // the class only: messages of decoding errors can quote the request line, credentials included
        log.debug("HTTP connection error: {}", cause.getClass().getSimpleName());
        ctx.close();
    }

    private static String param(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** A numeric parameter, or null when absent or not a number (then the default applies). */
    private static Long longParam(QueryStringDecoder query, String name) {
        String v = param(query, name);
        try {
            return v == null ? null : Long.valueOf(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String remote(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(ctx.channel().remoteAddress());
    }
}
