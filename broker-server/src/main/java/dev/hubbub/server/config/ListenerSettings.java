package dev.hubbub.server.config;

import dev.hubbub.transport.ConnectionRate;
import dev.hubbub.transport.ListenerLimits;
import dev.hubbub.transport.MemoryPressure;
import java.util.List;

/**
 * The settings of what the listener enforces before a request reaches the broker
 * ({@link ListenerLimits}): {@code server.requestBodyTimeout}, {@code limits.maxTokenRequestBytes},
 * and the connection rate per address ({@code limits.connectionRatePerAddress},
 * {@code connectionBurstPerAddress}, {@code connectionRateExempt}), and when the node is short of
 * memory for its network buffers ({@code server.memoryPressureBytes},
 * {@code server.backlogUnderPressureBytes}). Validated like every other
 * setting: a bad value stops startup naming the setting and its line.
 */
final class ListenerSettings {
    private ListenerSettings() {}

    static ListenerLimits read(String fileName, String text, ConfigLoader.ServerShape server, ConfigLoader.LimitsShape limits,
                               long maxBacklogBytes) throws ConfigException {
        long bodyTimeout = server.requestBodyTimeout() != null ? server.requestBodyTimeout()
                : ListenerLimits.DEFAULT_REQUEST_BODY_TIMEOUT_MILLIS;
        ConfigLoader.check(fileName, text, "server", "requestBodyTimeout", bodyTimeout >= 100 && bodyTimeout <= 600_000,
                "must be 100..600000 (ms)");
        int tokenRequestBytes = limits != null && limits.maxTokenRequestBytes() != null ? limits.maxTokenRequestBytes()
                : ListenerLimits.DEFAULT_MAX_TOKEN_REQUEST_BYTES;
        ConfigLoader.check(fileName, text, "limits", "maxTokenRequestBytes", tokenRequestBytes >= 256 && tokenRequestBytes <= 1 << 20,
                "must be 256..1048576 (bytes)");
        return new ListenerLimits(tokenRequestBytes, bodyTimeout, connectionRate(fileName, text, limits),
                memoryPressure(fileName, text, server, maxBacklogBytes));
    }

    private static MemoryPressure memoryPressure(String fileName, String text, ConfigLoader.ServerShape server,
                                                 long maxBacklogBytes) throws ConfigException {
        long limit = MemoryPressure.directMemoryLimit();
        long above = server.memoryPressureBytes() != null ? server.memoryPressureBytes() : MemoryPressure.defaultAboveBytes();
        ConfigLoader.check(fileName, text, "server", "memoryPressureBytes", above >= MemoryPressure.MIN_BYTES && above <= limit,
                "must be " + MemoryPressure.MIN_BYTES + ".." + limit + " (bytes): at most the direct memory the JVM allows "
                        + "(-XX:MaxDirectMemorySize, by default the heap's maximum)");
        long backlog = server.backlogUnderPressureBytes() != null ? server.backlogUnderPressureBytes()
                : Math.min(MemoryPressure.DEFAULT_BACKLOG_BYTES, maxBacklogBytes);
        ConfigLoader.check(fileName, text, "server", "backlogUnderPressureBytes",
                backlog >= MemoryPressure.MIN_BYTES && backlog <= maxBacklogBytes,
                "must be " + MemoryPressure.MIN_BYTES + "..server.maxBacklogBytes (" + maxBacklogBytes + " bytes)");
        return new MemoryPressure(above, backlog);
    }

    private static ConnectionRate connectionRate(String fileName, String text, ConfigLoader.LimitsShape s) throws ConfigException {
        ConnectionRate d = ConnectionRate.DEFAULTS;
        double perSecond = s != null && s.connectionRatePerAddress() != null ? s.connectionRatePerAddress() : d.perSecond();
        int burst = s != null && s.connectionBurstPerAddress() != null ? s.connectionBurstPerAddress() : d.burst();
        List<String> exempt = s != null && s.connectionRateExempt() != null ? s.connectionRateExempt() : d.exempt();
        ConfigLoader.check(fileName, text, "limits", "connectionRatePerAddress", perSecond >= 0 && !Double.isInfinite(perSecond),
                "must be 0 (no limit) or a positive number of attempts per second");
        ConfigLoader.check(fileName, text, "limits", "connectionBurstPerAddress", burst >= 1, "must be at least 1");
        for (String entry : exempt) {
            try {
                new ConnectionRate(perSecond, burst, List.of(entry == null ? "" : entry));
            } catch (IllegalArgumentException e) {
                ConfigLoader.check(fileName, text, "limits", "connectionRateExempt", false,
                        "entries must be IP addresses or CIDR blocks: " + e.getMessage());
            }
        }
        return new ConnectionRate(perSecond, burst, exempt);
    }
}
