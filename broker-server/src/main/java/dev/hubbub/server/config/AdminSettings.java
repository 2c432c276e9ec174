package dev.hubbub.server.config;

import java.util.Objects;

/**
 * {@code server.admin}: a separate plain-HTTP listener for {@code /metrics}, {@code /health} and
 * {@code /ready}. When it is set, the public listener no longer answers those paths.
 *
 * @param host the address to bind (default loopback)
 * @param port the port (0 picks a free one)
 */
public record AdminSettings(String host, int port) {
    public AdminSettings {
        Objects.requireNonNull(host);
    }
}
