package dev.hubbub.core.session;

/** Per-connection limits and timings, as advertised in connectionDetails and enforced by sessions. */
public record Limits(
        int maxMessageSize,
        int maxFrameSize,
        int maxInboundRate,
        long maxIdleInterval,
        long connectionStateTtl,
        int maxChannelsPerConnection,
        String serverId) {

    public static Limits defaults() {
        return new Limits(65536, 524288, 250, 15_000, 120_000, 1000, "hubbub-1");
    }
}
