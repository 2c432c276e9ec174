package dev.hubbub.transport.http;

import dev.hubbub.core.protocol.ErrorInfo;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Builds REST responses: bodies with an exact Content-Type, and Ably-style errors. */
public final class HttpResponses {
    private HttpResponses() {}

    public static FullHttpResponse body(HttpResponseStatus status, String contentType, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    public static FullHttpResponse json(HttpResponseStatus status, String json) {
        return body(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An error: JSON body {@code {"error":{message,code,statusCode}}}, Content-Type exactly
     * {@code application/json} (ably-js ignores the body otherwise) and the X-Ably-Error headers.
     */
    public static FullHttpResponse error(ErrorInfo error) {
        String body = "{\"error\":{\"message\":" + quote(error.message()) + ",\"code\":" + error.code()
                + ",\"statusCode\":" + error.statusCode() + "}}";
        FullHttpResponse r = json(HttpResponseStatus.valueOf(error.statusCode()), body);
        r.headers().set("X-Ably-ErrorCode", Integer.toString(error.code()));
        r.headers().set("X-Ably-ErrorMessage", headerSafe(error.message()));
        if (error.statusCode() == 401) {
            r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, error.isTokenError()
                    ? "x-ably-token realm=\"ably\", stale=\"true\""
                    : "Basic realm=\"ably\"");
        }
        return r;
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** Header values must be printable ASCII on one line. */
    static String headerSafe(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 512));
        for (int i = 0; i < s.length() && b.length() < 512; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    /** Writes a response, saying whether the connection stays open, and closes it after the write when not. */
    public static void reply(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
