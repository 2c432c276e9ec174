package dev.hubbub.core.session;

import dev.hubbub.core.log.LogText;

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

    /**
     * Leaves out the key and the token, even the key's name (until it is checked it may be a secret
     * written where the name belongs), and escapes what the client wrote: a request must be safe to log.
     */
    @Override
    public String toString() {
        return "ConnectRequest[" + (key != null ? "key=***" : accessToken != null ? "token=***" : "no credentials")
                + ", clientId=" + LogText.untrusted(clientId) + ", format=" + LogText.untrusted(format)
                + ", v=" + LogText.untrusted(protocolVersion) + ", from " + remoteAddress + "]";
    }
}
