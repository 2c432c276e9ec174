package dev.hubbub.core.session;

import dev.hubbub.core.log.LogText;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of how connections end. For every ended connection (a session ending, or a
 * connect refused before there was a session) it decides the last frame, counts the metric and
 * writes the one log line; the transport only carries the frame out and closes. Thread-safe.
 */
public final class Disconnects {
    private static final Logger log = LoggerFactory.getLogger(Disconnects.class);

    private final BrokerMetrics metrics;

    public Disconnects(BrokerMetrics metrics) { this.metrics = Objects.requireNonNull(metrics); }

    /**
     * Records an ended connection and returns what to tell the client last (null: nothing).
     *
     * @param who   log correlation key, {@code conn=...} or {@code from=address}
     * @param error the specific error, or null for the reason's own
     */
    public ProtocolMessage end(String who, DisconnectReason reason, ErrorInfo error) {
        ErrorInfo told = error != null ? error : reason.defaultError();
        if (told == null && reason.farewell() != DisconnectReason.Farewell.NONE
                && reason.farewell() != DisconnectReason.Farewell.CLOSED) {
            told = ErrorCode.INTERNAL.info("Connection ended");
        }
        metrics.disconnected(reason);
        switch (reason) {
            case SLOW_CONSUMER -> metrics.slowConsumer();
            case REAUTH_REFUSED, CONNECT_REFUSED -> metrics.authFailed(told.code());
            default -> { }
        }
        if (reason.notable()) {
            log.info("{} ended: {}", who, describe(reason, told));
        } else if (log.isDebugEnabled()) {
            log.debug("{} ended: {}", who, describe(reason, told));
        }
        return switch (reason.farewell()) {
            case NONE -> null;
            case CLOSED -> ProtocolMessage.closed();
            case DISCONNECTED -> ProtocolMessage.disconnected(told);
            case ERROR -> ProtocolMessage.error(told);
            case BY_ERROR -> told.isTokenError() ? ProtocolMessage.disconnected(told) : ProtocolMessage.error(told);
        };
    }

    private static String describe(DisconnectReason reason, ErrorInfo told) {
        String r = reason.name().toLowerCase();
        // a refusal may quote what the client sent (a protocol version, a clientId): escaped and cut
        return told == null ? r : r + " " + told.code() + " " + LogText.untrusted(told.message(), LogText.MESSAGE_BUDGET);
    }
}
