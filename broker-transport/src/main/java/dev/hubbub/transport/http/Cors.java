package dev.hubbub.transport.http;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/** CORS for browser SDKs: echo the Origin (credentials are allowed) and expose the Ably headers. */
public final class Cors {
    private Cors() {}

    public static void apply(FullHttpRequest request, FullHttpResponse response) {
        apply(request.headers(), response);
    }

    /** @param requestHeaders the request's headers (they stay readable after its body is released) */
    public static void apply(HttpHeaders requestHeaders, FullHttpResponse response) {
        String origin = requestHeaders.get(HttpHeaderNames.ORIGIN);
        if (origin == null) {
            return;
        }
        HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.set(HttpHeaderNames.VARY, "Origin");
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        h.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, "Link, X-Ably-ErrorCode, X-Ably-ErrorMessage, X-Ably-ServerId");
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, PUT, PATCH, DELETE, OPTIONS");
        String requested = requestHeaders.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        if (requested != null) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, requested);
        }
        h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, "86400");
    }
}
