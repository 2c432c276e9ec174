package dev.hubbub.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.TokenRevocations;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.transport.codec.DecodeException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /keys/{keyName}/revokeTokens} (Ably's RSA17, what ably-js's {@code auth.revokeTokens}
 * sends): revokes the tokens of that key which the targets name, issued at or before
 * {@code issuedBefore}; see {@link TokenRevocations} for what a rule does and how long it lasts.
 *
 * <p>Who may: the holder of that very key, with {@code Authorization: Basic} (a token is 40162,
 * wrong or no credentials 40101). Another key, even of the same app, is refused (40300): as on Ably,
 * a key revokes only the tokens it issued.
 *
 * <p>Body (JSON, or MessagePack by Content-Type): {@code {"targets": ["clientId:bob", ...],
 * "issuedBefore": ms?, "allowReauthMargin": bool?}}. A body that is not that shape is 40001; a
 * request out of bounds (no targets, more than 100, issuedBefore in the future or more than an hour
 * ago) 40003; one the cluster's storage cannot take 5xxxx.
 *
 * <p>Answer: 200 with a batch result in the format the client accepts: {@code successCount},
 * {@code failureCount} and, per target in request order, {@code {target, issuedBefore, appliesAt}}
 * or {@code {target, error}} (an unknown target type or a malformed target fails on its own, 40003).
 */
public final class RevokeTokensRoute implements RestHandler.LaterRoute {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String SHAPE = "expected {\"targets\": [\"type:value\", ...], \"issuedBefore\"?: ms, \"allowReauthMargin\"?: boolean}";

    private final TokenRevocations revocations;
    private final RestAuth auth;

    public RevokeTokensRoute(TokenRevocations revocations, RestAuth auth) {
        this.revocations = Objects.requireNonNull(revocations);
        this.auth = Objects.requireNonNull(auth);
    }

    /** Whether a path (split and decoded as {@link RestHandler} does) is this route's: {@code /keys/{keyName}/revokeTokens}. */
    static boolean matches(List<String> segments) {
        return segments.size() == 3 && segments.get(0).equals("keys") && segments.get(2).equals("revokeTokens");
    }

    /** The credentials revoking takes: Basic with a key (which must then be the key in the path). */
    static Outcome<ApiKey> authenticate(RestAuth auth, HttpHeaders headers) {
        return auth.basicKeyFor(headers, "Revoking tokens");
    }

    /** Answers once the rules are stored where every node finds them (at once on a single node). */
    @Override
    public CompletionStage<FullHttpResponse> handleLater(FullHttpRequest request, List<String> segments, QueryStringDecoder query) {
        if (!matches(segments)) {
            return null;
        }
        if (!request.method().equals(HttpMethod.POST)) {
            return now(HttpResponses.error(ErrorCode.METHOD_NOT_ALLOWED.info("revokeTokens takes POST")));
        }
        Outcome<ApiKey> key = authenticate(auth, request.headers());
        if (!key.isOk()) {
            return now(HttpResponses.error(key.error()));
        }
        if (!key.value().name().equals(segments.get(1))) {
            return now(HttpResponses.error(ErrorCode.FORBIDDEN.info(
                    "A key may revoke only the tokens it issued: the Basic credentials are not for the key in the path")));
        }
        Outcome<Body> body = read(request);
        if (!body.isOk()) {
            return now(HttpResponses.error(body.error()));
        }
        Body b = body.value();
        return revocations.revoke(key.value().name(), b.targets(), b.issuedBefore(), b.allowReauthMargin())
                .thenApply(result -> result.isOk()
                        ? RestHandler.respond(request, HttpResponseStatus.OK, batchResult(result.value()))
                        : HttpResponses.error(result.error()));
    }

    /** What a request asks for. */
    private record Body(List<String> targets, Long issuedBefore, boolean allowReauthMargin) {}

    private static Outcome<Body> read(FullHttpRequest request) {
        JsonNode root;
        try {
            root = request.content().isReadable() ? RestHandler.requestCodec(request).readDocument(request.content()) : null;
        } catch (DecodeException e) {
            return invalid("cannot be parsed");
        }
        if (root == null || !root.isObject()) {
            return invalid(SHAPE);
        }
        JsonNode targets = root.get("targets");
        if (targets == null || !targets.isArray()) {
            return invalid("targets must be an array of 'type:value' strings (" + SHAPE + ")");
        }
        List<String> specs = new ArrayList<>();
        for (JsonNode t : targets) {
            if (!t.isTextual()) {
                return invalid("targets must be an array of 'type:value' strings; element " + specs.size() + " is not a string");
            }
            specs.add(t.asText());
        }
        JsonNode before = root.get("issuedBefore");
        if (before != null && !before.isNull() && !(before.isIntegralNumber() && before.canConvertToLong())) {
            return invalid("issuedBefore must be an integer (ms since the epoch)");
        }
        JsonNode margin = root.get("allowReauthMargin");
        if (margin != null && !margin.isNull() && !margin.isBoolean()) {
            return invalid("allowReauthMargin must be true or false");
        }
        return Outcome.ok(new Body(specs, before == null || before.isNull() ? null : before.asLong(),
                margin != null && margin.asBoolean(false)));
    }

    private static ObjectNode batchResult(List<TokenRevocations.TargetResult> results) {
        ObjectNode body = NODES.objectNode();
        ArrayNode items = NODES.arrayNode();
        int ok = 0;
        for (TokenRevocations.TargetResult r : results) {
            ObjectNode item = items.addObject();
            item.put("target", r.target());
            if (r.rule() != null) {
                item.put("issuedBefore", r.rule().issuedBefore());
                item.put("appliesAt", r.rule().appliesAt());
                ok++;
            } else {
                ErrorInfo e = r.error();
                item.putObject("error").put("message", e.message()).put("code", e.code()).put("statusCode", e.statusCode());
            }
        }
        body.put("successCount", ok);
        body.put("failureCount", results.size() - ok);
        body.set("results", items);
        return body;
    }

    private static <T> Outcome<T> invalid(String why) {
        return Outcome.fail(ErrorCode.INVALID_BODY, "Invalid request body: " + why);
    }

    private static CompletionStage<FullHttpResponse> now(FullHttpResponse r) { return CompletableFuture.completedFuture(r); }
}
