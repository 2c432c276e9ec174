package dev.hubbub.transport.http;

import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.history.HistoryPage;
import dev.hubbub.core.history.HistoryQuery;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Objects;

/**
 * Channel history over REST: {@code GET /channels/{channel}/messages} (what ably-js sends, for REST
 * and realtime channels alike) and {@code GET /channels/{channel}/history} (ably-java's realtime
 * channels). Needs the {@code history} capability on the channel; reads the log of the caller's
 * own app only.
 *
 * <p>Query: {@code limit} (default 100, 1..1000), {@code direction} ({@code backwards}, the
 * default, or {@code forwards}), {@code start} and {@code end} (epoch ms, inclusive, start not
 * after end), {@code from_serial} or its alias {@code fromSerial} (untilAttach: only messages at or
 * before that serial), and {@value #CURSOR}, this broker's paging cursor (opaque to clients: the
 * serial of the last message of the previous page). Empty values of limit, direction, start and end
 * mean "not given"; an empty or malformed serial or cursor is refused, because ignoring it would
 * return messages the client did not ask for. Other parameters (a browser's {@code rnd}) are ignored.
 *
 * <p>Answer: 200 with an array of Messages in the format the client accepts, each written as in a
 * MESSAGE frame; an empty result is {@code []}, never 204 (ably-java 1.2.54 hands the application
 * null items for a body-less answer, and ably-js in a browser gets no headers with a 204).
 *
 * <p>Paging is carried by {@code Link} headers only, one header line per relation ({@code first},
 * {@code current} and, when there is more, {@code next}), each {@code <./messages?QUERY>; rel="R"}
 * (or {@code ./history?}, after the request's path). ably-java matches each header line on its own
 * and ably-js splits the joined value on commas, so QUERY holds the whole paging state,
 * percent-encoded: no raw comma, no {@code =} inside a value, and never an empty value (ably-java
 * splits each pair on {@code =} and reads the second part).
 */
public final class HistoryRoute implements RestHandler.LaterRoute {
    /** The name of this broker's paging parameter. */
    static final String CURSOR = "cursor";
    static final String LINK = "Link";

    private final RestAuth auth;
    private final MessageLog log;

    public HistoryRoute(RestAuth auth, MessageLog log) {
        this.auth = Objects.requireNonNull(auth);
        this.log = Objects.requireNonNull(log);
    }

    /** Reads the page without waiting on the caller's thread where the log is elsewhere (a cluster's, in Redis). */
    @Override
    public CompletionStage<FullHttpResponse> handleLater(FullHttpRequest request, List<String> segments, QueryStringDecoder query) {
        if (segments.size() != 3 || !segments.get(0).equals("channels") || !request.method().equals(HttpMethod.GET)) {
            return null;
        }
        String resource = segments.get(2);
        if (!resource.equals("messages") && !resource.equals("history")) {
            return null;
        }
        String channel = segments.get(1);
        Outcome<Principal> principal = ChannelRead.authorize(auth, request, channel, Operation.HISTORY, "history");
        if (!principal.isOk()) {
            return CompletableFuture.completedFuture(HttpResponses.error(principal.error()));
        }
        Principal p = principal.value();
        Outcome<HistoryQuery> parsed = query(query);
        if (!parsed.isOk()) {
            return CompletableFuture.completedFuture(HttpResponses.error(parsed.error()));
        }
        HistoryQuery q = parsed.value();
        WireFormat format = RestHandler.responseFormat(request);
        return log.historyLater(new ChannelKey(p.appId(), channel), q).thenApply(page -> page(format, resource, q, page));
    }

    private FullHttpResponse page(WireFormat format, String resource, HistoryQuery q, HistoryPage page) {
        FullHttpResponse r = HttpResponses.body(HttpResponseStatus.OK, format.contentType(),
                ProtocolCodec.of(format).encodeMessages(page.items()));
        r.headers().add(LINK, link(resource, q.after(null), "first"));
        r.headers().add(LINK, link(resource, q, "current"));
        if (page.next() != null) {
            r.headers().add(LINK, link(resource, page.next(), "next"));
        }
        return r;
    }

    /** The query parameters as a HistoryQuery, or a 40003 error naming the parameter at fault. */
    static Outcome<HistoryQuery> query(QueryStringDecoder query) {
        try {
            Outcome<Integer> limit = PresenceRoute.limit(ChannelRead.param(query, "limit"));
            if (!limit.isOk()) {
                return Outcome.fail(limit.error());
            }
            boolean backwards = backwards(ChannelRead.param(query, "direction"));
            Long start = millis(query, "start");
            Long end = millis(query, "end");
            if (start != null && end != null && start > end) {
                throw new BadParameter("Invalid time window: start (" + start + ") is after end (" + end + ")");
            }
            String until = serial(query, "from_serial");
            String untilAlias = serial(query, "fromSerial");
            if (until != null && untilAlias != null && !until.equals(untilAlias)) {
                throw new BadParameter("Invalid parameters: from_serial and fromSerial differ; give one");
            }
            String cursor = serial(query, CURSOR);
            return Outcome.ok(new HistoryQuery(start, end, backwards, limit.value(), until != null ? until : untilAlias, cursor));
        } catch (BadParameter e) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, e.getMessage());
        }
    }

    private static boolean backwards(String direction) throws BadParameter {
        if (direction == null || direction.isEmpty() || direction.equals("backwards")) {
            return true;
        }
        if (direction.equals("forwards")) {
            return false;
        }
        throw new BadParameter("Invalid direction '" + shorten(direction) + "': expected 'backwards' or 'forwards'");
    }

    private static Long millis(QueryStringDecoder query, String name) throws BadParameter {
        String value = ChannelRead.param(query, name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            long ms = Long.parseLong(value.trim());
            if (ms >= 0) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BadParameter("Invalid " + name + " '" + shorten(value) + "': expected a time in milliseconds since the epoch");
    }

    /** A serial-valued parameter: absent is null; present, it must be a serial in this broker's form. */
    private static String serial(QueryStringDecoder query, String name) throws BadParameter {
        String value = ChannelRead.param(query, name);
        if (value == null) {
            return null;
        }
        if (ChannelSerial.parse(value) == null) {
            throw new BadParameter("Invalid " + name + " '" + shorten(value) + "': not a serial issued by this service");
        }
        return value;
    }

    /** One Link header value: the query's whole state, every value percent-encoded. */
    static String link(String resource, HistoryQuery q, String rel) {
        StringBuilder b = new StringBuilder(128).append("<./").append(resource).append('?')
                .append("limit=").append(q.limit())
                .append("&direction=").append(q.backwards() ? "backwards" : "forwards");
        if (q.start() != null) {
            b.append("&start=").append(q.start().longValue());
        }
        if (q.end() != null) {
            b.append("&end=").append(q.end().longValue());
        }
        if (q.untilSerial() != null) {
            b.append("&from_serial=").append(encode(q.untilSerial()));
        }
        if (q.cursor() != null) {
            b.append('&').append(CURSOR).append('=').append(encode(q.cursor()));
        }
        return b.append(">; rel=\"").append(rel).append('"').toString();
    }

    /** Percent-encodes all but RFC 3986's unreserved characters (so ',', '=', '&', ':', '+' and spaces too). */
    static String encode(String value) {
        StringBuilder b = new StringBuilder(value.length() + 8);
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    private static String shorten(String s) { return s.length() > 64 ? s.substring(0, 64) + "…" : s; }

    /** A query parameter that cannot be used; its message goes to the client. */
    private static final class BadParameter extends Exception {
        BadParameter(String message) { super(message, null, false, false); }
    }
}
