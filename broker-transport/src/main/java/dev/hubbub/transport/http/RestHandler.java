package dev.hubbub.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PublishResult;
import dev.hubbub.core.publish.PublishRequest;
import dev.hubbub.core.publish.Publishing;
import java.time.Clock;
import dev.hubbub.transport.codec.DecodeException;
import dev.hubbub.transport.codec.MessageReader;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The REST API on the realtime port. Routes are matched on the raw path split into segments,
 * each segment then URL-decoded (channel names may contain encoded '/' and ':').
 */
public final class RestHandler {
    /** A REST route beyond the built-in ones (token endpoints, presence): returns null to pass. */
    public interface Route {
        FullHttpResponse handle(FullHttpRequest request, List<String> segments, QueryStringDecoder query);

        /**
         * As {@link #handle}, for a route whose answer may come later (storage that is not in this
         * process): null to pass, else the answer when it is ready. The request's body must be read
         * before this returns.
         */
        default CompletionStage<FullHttpResponse> handleLater(FullHttpRequest request, List<String> segments,
                                                              QueryStringDecoder query) {
            FullHttpResponse r = handle(request, segments, query);
            return r == null ? null : CompletableFuture.completedFuture(r);
        }
    }

    /**
     * A route whose answer may come later (storage outside this process): it implements only
     * {@link #handleLater}; {@link #handle} waits for it, for callers that want the answer now (tests).
     */
    public interface LaterRoute extends Route {
        @Override
        CompletionStage<FullHttpResponse> handleLater(FullHttpRequest request, List<String> segments, QueryStringDecoder query);

        @Override
        default FullHttpResponse handle(FullHttpRequest request, List<String> segments, QueryStringDecoder query) {
            CompletionStage<FullHttpResponse> r = handleLater(request, segments, query);
            return r == null ? null : r.toCompletableFuture().join();
        }
    }

    private final RestAuth auth;
    private final Publishing publishing;
    private final Clock clock;
    private final List<Route> extraRoutes = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** The REST API; the probes ({@code /health}, {@code /ready}, {@code /metrics}) are routes added by the caller. */
    public RestHandler(RestAuth auth, Publishing publishing, Clock clock) {
        this.auth = auth;
        this.publishing = publishing;
        this.clock = clock;
    }

    public RestAuth auth() { return auth; }

    /** Adds a route tried before the 404 answer. */
    public RestHandler with(Route route) {
        extraRoutes.add(route);
        return this;
    }

    /**
     * Answers one request. Most answers are ready at once; a publish completes when the bus has
     * the messages in order (in a cluster, on another thread), so the caller writes the response
     * whenever it completes. The request's body is read before this returns.
     */
    public CompletionStage<FullHttpResponse> handle(FullHttpRequest request) {
        try {
            if (isPublish(request)) {
                return publish(request, segments(new QueryStringDecoder(request.uri()).rawPath()).get(1));
            }
        } catch (IllegalArgumentException badEscape) {
            // answered below like any malformed URI
        }
        return route(request);
    }

    private static boolean isPublish(FullHttpRequest request) {
        if (!request.method().equals(HttpMethod.POST)) {
            return false;
        }
        List<String> segments = segments(new QueryStringDecoder(request.uri()).rawPath());
        return segments.size() == 3 && segments.get(0).equals("channels") && segments.get(2).equals("messages");
    }

    private CompletionStage<FullHttpResponse> route(FullHttpRequest request) {
        QueryStringDecoder query = new QueryStringDecoder(request.uri());
        List<String> segments;
        try {
            segments = segments(query.rawPath());
            query.parameters(); // decoded lazily: fail here, on bad escapes, rather than inside a route
        } catch (IllegalArgumentException badEscape) { // never echo the URI: it may carry credentials
            return now(HttpResponses.error(ErrorCode.BAD_REQUEST.info("Malformed request URI (bad percent-encoding)")));
        }
        HttpMethod method = request.method();
        try {
            if (segments.size() == 1 && segments.get(0).equals("time") && method.equals(HttpMethod.GET)) {
                return now(HttpResponses.json(HttpResponseStatus.OK, "[" + clock.millis() + "]"));
            }
            if (segments.size() == 1 && segments.get(0).equals("is-the-internet-up.txt")) {
                return now(HttpResponses.body(HttpResponseStatus.OK, "text/plain", HttpResponses.utf8("yes\n")));
            }
            for (Route route : extraRoutes) {
                CompletionStage<FullHttpResponse> r = route.handleLater(request, segments, query);
                if (r != null) {
                    return r.exceptionally(e -> HttpResponses.error(ErrorCode.INTERNAL.info("Internal error handling the request")));
                }
            }
            return now(HttpResponses.error(ErrorCode.NOT_FOUND.info("No such endpoint: " + method + " " + query.rawPath())));
        } catch (RuntimeException e) {
            return now(HttpResponses.error(ErrorCode.INTERNAL.info("Internal error handling the request")));
        }
    }
    private static CompletionStage<FullHttpResponse> now(FullHttpResponse r) { return CompletableFuture.completedFuture(r); }


    private CompletionStage<FullHttpResponse> publish(FullHttpRequest request, String channel) {
        Outcome<Principal> principal = auth.authenticate(request.headers());
        if (!principal.isOk()) {
            return CompletableFuture.completedFuture(HttpResponses.error(principal.error()));
        }
        Outcome<List<Message>> messages = readMessages(request);
        if (!messages.isOk()) {
            return CompletableFuture.completedFuture(HttpResponses.error(messages.error()));
        }
        return publishing.publish(new PublishRequest("rest key=" + principal.value().keyName(), principal.value(), channel,
                messages.value(), PublishRequest.REST)).thenApply(result -> published(channel, messages.value(), result, request));
    }

    private FullHttpResponse published(String channel, List<Message> list, Outcome<PublishResult> result, FullHttpRequest request) {
        if (!result.isOk()) {
            return HttpResponses.error(result.error());
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("channel", channel);
        if (!list.isEmpty() && list.get(0).id() != null) {
            String id = list.get(0).id();
            int colon = id.lastIndexOf(':');
            body.put("messageId", colon > 0 ? id.substring(0, colon) : id);
        }
        ArrayNode serials = body.putArray("serials");
        result.value().serials().forEach(serials::add);
        return respond(request, HttpResponseStatus.CREATED, body);
    }

    /** One message object or an array of them, in the request's Content-Type (JSON unless msgpack). */
    public static Outcome<List<Message>> readMessages(FullHttpRequest request) {
        JsonNode root;
        try {
            root = requestCodec(request).readDocument(request.content());
        } catch (DecodeException e) {
            return Outcome.fail(ErrorCode.INVALID_BODY, "Invalid request body: cannot be parsed (" + e.error().message() + ")");
        }
        if (root == null || !(root.isObject() || root.isArray())) {
            return Outcome.fail(ErrorCode.INVALID_BODY, "Invalid request body: expected a message or an array of messages");
        }
        try {
            List<Message> out = new ArrayList<>();
            if (root.isArray()) {
                out.addAll(MessageReader.messages(root, "body"));
            } else {
                out.add(MessageReader.message(root));
            }
            if (out.isEmpty()) {
                return Outcome.fail(ErrorCode.INVALID_BODY, "Invalid request body: no messages");
            }
            return Outcome.ok(out);
        } catch (DecodeException e) {
            return Outcome.fail(e.error());
        }
    }

    public static ProtocolCodec requestCodec(FullHttpRequest request) {
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return ProtocolCodec.of(type != null && type.contains("msgpack") ? WireFormat.MSGPACK : WireFormat.JSON);
    }

    /** The format a client asked for in Accept: msgpack only when it says so. */
    public static WireFormat responseFormat(FullHttpRequest request) {
        String accept = request.headers().get(HttpHeaderNames.ACCEPT);
        return accept != null && accept.startsWith("application/x-msgpack") ? WireFormat.MSGPACK : WireFormat.JSON;
    }

    /** Writes a body in the format the client accepts. */
    public static FullHttpResponse respond(FullHttpRequest request, HttpResponseStatus status, JsonNode body) {
        WireFormat format = responseFormat(request);
        try {
            return HttpResponses.body(status, format.contentType(), ProtocolCodec.of(format).mapper().writeValueAsBytes(body));
        } catch (IOException e) {
            return HttpResponses.error(ErrorCode.INTERNAL.info("Unable to encode the response"));
        }
    }

    static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

}
