package dev.hubbub.core.session;

/**
 * What a client asked for when it opened its connection (the WebSocket query parameters).
 * Fields are null when absent.
 */
public record ConnectRequest(
        String key,
        String accessToken,
        String clientId,
        String format,
        String protocolVersion,
        boolean echo,
        String resume,
        String recover,
        String remoteAddress) {
}
