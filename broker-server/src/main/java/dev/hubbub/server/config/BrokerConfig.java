package dev.hubbub.server.config;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.session.Limits;
import java.util.List;

/** The validated, frozen configuration. Built only by {@link ConfigLoader}. */
public record BrokerConfig(String host, int port, List<ApiKey> keys, Limits limits, long maxBacklogBytes, int ioThreads) {
    public BrokerConfig {
        keys = List.copyOf(keys);
    }

    public BrokerConfig withListener(String newHost, Integer newPort) {
        return new BrokerConfig(newHost != null ? newHost : host, newPort != null ? newPort : port, keys, limits,
                maxBacklogBytes, ioThreads);
    }
}
