package dev.hubbub.transport.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.presence.PresenceService;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.Base64;
import java.util.List;

/**
 * {@code GET /channels/{channel}/presence}: the current members as PresenceMessages with action 1
 * (PRESENT), optionally filtered by {@code clientId} and {@code connectionId}, at most {@code limit}
 * (default 100, 1..1000). Needs the {@code subscribe} or {@code presence} capability on the channel.
 * Answers in the format the client accepts; binary data is base64 with a {@code base64} encoding
 * step in JSON and MessagePack bin otherwise. One page: no {@code Link} header.
 */
public final class PresenceRoute implements RestHandler.Route {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final RestAuth auth;
    private final PresenceService presence;

    public PresenceRoute(RestAuth auth, PresenceService presence) {
        this.auth = auth;
        this.presence = presence;
    }

    @Override
    public FullHttpResponse handle(FullHttpRequest request, List<String> segments, QueryStringDecoder query) {
        if (segments.size() != 3 || !segments.get(0).equals("channels") || !segments.get(2).equals("presence")
                || !request.method().equals(HttpMethod.GET)) {
            return null;
        }
        String channel = segments.get(1);
        // reading the set is a subscribe right, as on realtime (where only subscribe grants PRESENCE_SUBSCRIBE)
        Outcome<Principal> principal = ChannelRead.authorize(auth, request, channel, Operation.SUBSCRIBE, "presence");
        if (!principal.isOk()) {
            return HttpResponses.error(principal.error());
        }
        Principal p = principal.value();
        Outcome<Integer> limit = limit(ChannelRead.param(query, "limit"));
        if (!limit.isOk()) {
            return HttpResponses.error(limit.error());
        }
        List<PresenceMessage> members = presence.members(new ChannelKey(p.appId(), channel),
                ChannelRead.param(query, "clientId"), ChannelRead.param(query, "connectionId"), limit.value());
        boolean binary = RestHandler.responseFormat(request) == WireFormat.MSGPACK;
        ArrayNode body = JsonNodeFactory.instance.arrayNode(members.size());
        for (PresenceMessage m : members) {
            body.add(toNode(m, binary));
        }
        return RestHandler.respond(request, HttpResponseStatus.OK, body);
    }

    static Outcome<Integer> limit(String value) {
        if (value == null || value.isEmpty()) {
            return Outcome.ok(DEFAULT_LIMIT);
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= MAX_LIMIT) {
                return Outcome.ok(n);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        return Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid limit '" + value + "': expected 1 to " + MAX_LIMIT);
    }

    static ObjectNode toNode(PresenceMessage m, boolean binary) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        put(n, "id", m.id());
        n.put("action", m.action().wire());
        put(n, "clientId", m.clientId());
        put(n, "connectionId", m.connectionId());
        String encoding = m.encoding();
        if (m.data() instanceof byte[] bytes) {
            if (binary) {
                n.put("data", bytes);
            } else {
                n.put("data", Base64.getEncoder().encodeToString(bytes));
                encoding = encoding == null || encoding.isEmpty() ? "base64" : encoding + "/base64";
            }
        } else {
            put(n, "data", (String) m.data());
        }
        put(n, "encoding", encoding);
        if (m.extras() != null) {
            n.set("extras", m.extras());
        }
        if (m.timestamp() != null) {
            n.put("timestamp", m.timestamp().longValue());
        }
        return n;
    }

    private static void put(ObjectNode n, String field, String value) {
        if (value != null) {
            n.put(field, value);
        }
    }
}
