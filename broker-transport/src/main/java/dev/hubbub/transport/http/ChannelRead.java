package dev.hubbub.transport.http;

import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/** What the REST routes that read a channel ({@link HistoryRoute}, {@link PresenceRoute}) check and parse alike. */
final class ChannelRead {
    private ChannelRead() { }

    /**
     * Whether the request may read {@code what} of {@code channel}, checked in this order: the channel
     * name, the credentials, then the capability for {@code operation} on the channel (40160 naming it).
     *
     * @return the caller, or the error to answer with
     */
    static Outcome<Principal> authorize(RestAuth auth, FullHttpRequest request, String channel, Operation operation,
                                        String what) {
        ErrorInfo invalid = ChannelNames.validate(channel);
        if (invalid != null) {
            return Outcome.fail(invalid);
        }
        Outcome<Principal> principal = auth.authenticate(request.headers());
        if (!principal.isOk()) {
            return principal;
        }
        if (!principal.value().capability().allows(channel, operation)) {
            return Outcome.fail(ErrorCode.CAPABILITY_DENIED.info("Unable to read the " + what + " of channel '" + channel
                    + "': the '" + operation.wireName() + "' capability is not granted"));
        }
        return principal;
    }

    /** The first value of a query parameter; null when absent. */
    static String param(QueryStringDecoder query, String name) {
        List<String> values = query.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
