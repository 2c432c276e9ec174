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
        String remoteAddress,
        Long remainPresentFor) {

    /** Without {@code remainPresentFor} (ms a dropped connection's presence members stay; null: the default). */
    public ConnectRequest(String key, String accessToken, String clientId, String format, String protocolVersion,
                          boolean echo, String resume, String recover, String remoteAddress) {
        this(key, accessToken, clientId, format, protocolVersion, echo, resume, recover, remoteAddress, null);
    }

    /** Leaves out the key and the token: a request must be safe to log. */
    @Override
    public String toString() {
        return "ConnectRequest[" + (key != null ? "key=" + key.substring(0, Math.max(0, key.indexOf(':'))) + ":***"
                : accessToken != null ? "token=***" : "no credentials")
                + ", clientId=" + clientId + ", format=" + format + ", v=" + protocolVersion + ", from " + remoteAddress + "]";
    }
}
