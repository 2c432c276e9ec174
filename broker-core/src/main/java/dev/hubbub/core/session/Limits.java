package dev.hubbub.core.session;

import java.util.Map;
import java.util.Objects;

/**
 * Per-connection limits and timings, as advertised in connectionDetails and enforced by sessions.
 *
 * @param maxInboundRate             messages (and presence messages) per second a connection may send, the
 *                                   default for every key (a publish past it is NACKed 42911)
 * @param inboundRateDisconnectAfter ms a connection may go on sending over its rate (refused at least once a second
 *                                   all along) before it is disconnected with 42921; 0: never
 * @param maxInboundRateByKey        {@code maxInboundRate} for connections of particular keys (by key name), overriding
 *                                   the default; a token's key is the key that signed it
 */
public record Limits(
        int maxMessageSize,
        int maxFrameSize,
        int maxInboundRate,
        long maxIdleInterval,
        long connectionStateTtl,
        int maxChannelsPerConnection,
        String serverId,
        long inboundRateDisconnectAfter,
        Map<String, Integer> maxInboundRateByKey) {

    public static final long DEFAULT_INBOUND_RATE_DISCONNECT_AFTER = 5_000;

    public Limits {
        maxInboundRateByKey = Map.copyOf(Objects.requireNonNull(maxInboundRateByKey));
    }

    /** With the default disconnect after 5 s over the rate, and one rate for every key. */
    public Limits(int maxMessageSize, int maxFrameSize, int maxInboundRate, long maxIdleInterval, long connectionStateTtl,
                  int maxChannelsPerConnection, String serverId) {
        this(maxMessageSize, maxFrameSize, maxInboundRate, maxIdleInterval, connectionStateTtl, maxChannelsPerConnection,
                serverId, DEFAULT_INBOUND_RATE_DISCONNECT_AFTER, Map.of());
    }

    public static Limits defaults() {
        return new Limits(65536, 524288, 250, 15_000, 120_000, 1000, "hubbub-1");
    }

    /** The inbound rate of connections authenticated by {@code keyName}: its own, else the default. */
    public int maxInboundRateFor(String keyName) {
        Integer own = maxInboundRateByKey.get(keyName);
        return own != null ? own : maxInboundRate;
    }

    /** The same limits with per-key inbound rates, and the disconnect rule, as given. */
    public Limits withInboundRates(long disconnectAfter, Map<String, Integer> byKey) {
        return new Limits(maxMessageSize, maxFrameSize, maxInboundRate, maxIdleInterval, connectionStateTtl,
                maxChannelsPerConnection, serverId, disconnectAfter, byKey);
    }
}
