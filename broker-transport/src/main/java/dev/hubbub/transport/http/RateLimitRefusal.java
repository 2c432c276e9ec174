package dev.hubbub.transport.http;

import dev.hubbub.core.protocol.ErrorCode;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The whole HTTP side of a connection refused by the per-address connection rate: its first
 * request, a WebSocket upgrade or a REST call, is answered 429 with Ably error 42922 (the SDKs
 * take it as a failed connect and retry with backoff), then the connection closes. Nothing it
 * sends is passed on; a connection that sends nothing is closed when the idle handler fires.
 */
public final class RateLimitRefusal extends ChannelInboundHandlerAdapter {
    private final long retryAfterSeconds;
    private boolean answered;

    public RateLimitRefusal(long retryAfterSeconds) {
        this.retryAfterSeconds = retryAfterSeconds;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!answered && msg instanceof HttpRequest request) {
                answered = true;
                FullHttpResponse response = HttpResponses.error(ErrorCode.TOO_MANY_REQUESTS.info(
                        "Too many requests: too many connection attempts from this address; retry later"));
                Cors.apply(request.headers(), response);
                response.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfterSeconds);
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
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
        ctx.close();
    }
}
