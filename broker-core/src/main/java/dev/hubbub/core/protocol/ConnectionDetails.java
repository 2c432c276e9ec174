package dev.hubbub.core.protocol;

/** CONNECTED's connectionDetails. {@code clientId} is omitted on the wire when null. */
public record ConnectionDetails(
        String clientId,
        String connectionKey,
        int maxMessageSize,
        int maxFrameSize,
        int maxInboundRate,
        long maxIdleInterval,
        long connectionStateTtl,
        String serverId) {
}
