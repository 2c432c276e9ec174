package dev.hubbub.transport.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenDetails;
import dev.hubbub.core.auth.TokenJson;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenRequest;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.transport.codec.DecodeException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/**
 * {@code POST /keys/{keyName}/requestToken}: exchanges a signed TokenRequest (no credentials; the
 * key's secret never crosses the wire) or TokenParams with Basic auth for a token. Always answers
 * JSON TokenDetails, whatever the Accept header says (ably-java parses the answer as JSON).
 */
public final class TokenRoute implements RestHandler.Route {
    private final TokenAuthority authority;
    private final RestAuth auth;

    public TokenRoute(TokenAuthority authority, RestAuth auth) {
        this.authority = authority;
        this.auth = auth;
    }

    /** Whether a path (split and decoded as {@link RestHandler} does) is this route's: {@code /keys/{keyName}/requestToken}. */
    static boolean matches(List<String> segments) {
        return segments.size() == 3 && segments.get(0).equals("keys") && segments.get(2).equals("requestToken");
    }

    @Override
    public FullHttpResponse handle(FullHttpRequest request, List<String> segments, QueryStringDecoder query) {
        if (!matches(segments)) {
            return null;
        }
        if (!request.method().equals(HttpMethod.POST)) {
            return HttpResponses.error(ErrorCode.METHOD_NOT_ALLOWED.info("requestToken takes POST"));
        }
        String keyName = segments.get(1);
        JsonNode body;
        try {
            body = request.content().isReadable()
                    ? RestHandler.requestCodec(request).readDocument(request.content())
                    : null;
        } catch (DecodeException e) {
            return HttpResponses.error(ErrorCode.INVALID_BODY.info("Invalid request body: cannot be parsed"));
        }
        Outcome<TokenDetails> issued = TokenJson.isSigned(body) ? signed(keyName, body) : withBasicAuth(keyName, request, body);
        if (!issued.isOk()) { // TokenAuthority logs its refusals (key name and reason, never a secret)
            return HttpResponses.error(issued.error());
        }
        return HttpResponses.json(HttpResponseStatus.OK, TokenJson.write(issued.value()).toString());
    }

    private Outcome<TokenDetails> signed(String keyName, JsonNode body) {
        Outcome<TokenRequest> request = TokenJson.readTokenRequest(body);
        if (!request.isOk()) {
            return Outcome.fail(request.error());
        }
        if (!keyName.equals(request.value().keyName())) {
            return Outcome.fail(ErrorCode.AUTHENTICATION_FAILED, "The TokenRequest's keyName does not match the key in the path");
        }
        return authority.issue(request.value());
    }

    private Outcome<TokenDetails> withBasicAuth(String keyName, FullHttpRequest request, JsonNode body) {
        Outcome<ApiKey> key = auth.basicKey(request.headers());
        if (!key.isOk()) {
            return Outcome.fail(key.error());
        }
        if (!key.value().name().equals(keyName)) {
            return Outcome.fail(ErrorCode.AUTHENTICATION_FAILED, "The Basic credentials are not for the key in the path");
        }
        Outcome<TokenParams> params = TokenJson.readTokenParams(body);
        return params.isOk() ? authority.issue(key.value(), params.value()) : Outcome.fail(params.error());
    }
}
