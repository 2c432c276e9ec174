package dev.hubbub.transport.tls;

/**
 * How the listener treats security: its TLS (null: plain {@code ws://} and {@code http://}) and
 * whether an API key (Basic auth: {@code key=} on a realtime connect, {@code Authorization: Basic}
 * on REST) is refused with 40103 on a connection that is not TLS, as Ably refuses it.
 */
public record TransportSecurity(ServerTls tls, boolean refuseKeyOverPlaintext) {
    public static final TransportSecurity NONE = new TransportSecurity(null, false);
}
