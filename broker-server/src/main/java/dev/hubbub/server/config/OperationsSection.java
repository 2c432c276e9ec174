package dev.hubbub.server.config;

import dev.hubbub.core.auth.TokenSettings;
import dev.hubbub.server.config.ConfigLoader.AdminShape;
import dev.hubbub.server.config.ConfigLoader.LoggingShape;
import dev.hubbub.server.config.ConfigLoader.TokensShape;
import java.time.Duration;
import org.slf4j.event.Level;

/**
 * The settings of how the broker is run rather than of what it serves: token lifetimes
 * ({@code tokens}), the admin listener ({@code server.admin}) and logging ({@code logging}). Each
 * problem names the setting and, where known, the line, as {@link ConfigLoader} does.
 */
final class OperationsSection {
    private OperationsSection() {}

    /**
     * {@code tokens}: lifetimes of tokens (ms); maxTtl also caps JWTs and is how long revocations are
     * kept. noncesPerKey bounds the TokenRequest nonces this node remembers per key.
     */
    static TokenSettings tokens(String fileName, String text, TokensShape s) throws ConfigException {
        TokenSettings d = TokenSettings.DEFAULTS;
        if (s == null) {
            return d;
        }
        long maxTtl = s.maxTtl() != null ? s.maxTtl() : d.maxTtl().toMillis();
        long defaultTtl = s.defaultTtl() != null ? s.defaultTtl() : Math.min(d.defaultTtl().toMillis(), maxTtl);
        ConfigLoader.check(fileName, text, "tokens", "maxTtl", maxTtl >= 1000, "must be at least 1000 (ms)");
        ConfigLoader.check(fileName, text, "tokens", "defaultTtl", defaultTtl > 0 && defaultTtl <= maxTtl,
                "must be positive and at most maxTtl (" + maxTtl + " ms)");
        long nonces = s.noncesPerKey() != null ? s.noncesPerKey() : d.nonceCacheSize();
        ConfigLoader.check(fileName, text, "tokens", "noncesPerKey", nonces >= 1 && nonces <= 100_000_000,
                "must be between 1 and 100000000");
        return new TokenSettings(Duration.ofMillis(defaultTtl), Duration.ofMillis(maxTtl), d.timestampWindow(),
                nonces, d.verifiedCacheSize());
    }

    /**
     * {@code server.admin}, or null when there is none. The port is required (no default that
     * could collide with something else on the host); the host defaults to loopback.
     */
    static AdminSettings admin(String fileName, String text, AdminShape s, int serverPort) throws ConfigException {
        if (s == null) {
            return null;
        }
        String at = fileName + ConfigLoader.lineOfKey(text, "admin");
        if (s.port() == null) {
            throw new ConfigException(at + ": 'server.admin.port' is required with server.admin (0 picks a free port)");
        }
        int port = s.port();
        if (port < 0 || port > 65535) {
            throw new ConfigException(at + ": 'server.admin.port' must be 0..65535, was " + port);
        }
        if (port != 0 && port == serverPort) {
            throw new ConfigException(at + ": 'server.admin.port' must differ from server.port (" + serverPort + ")");
        }
        String host = s.host() != null ? s.host().strip() : "127.0.0.1";
        if (host.isEmpty()) {
            throw new ConfigException(at + ": 'server.admin.host' must not be empty (default 127.0.0.1)");
        }
        return new AdminSettings(host, port);
    }

    /** {@code logging}: the format (text or json) and level; the defaults without the section. */
    static LogSettings logging(String fileName, String text, LoggingShape s) throws ConfigException {
        if (s == null) {
            return LogSettings.DEFAULTS;
        }
        LogSettings.Format format = s.format() != null ? named(LogSettings.Format.class, s.format()) : LogSettings.DEFAULTS.format();
        ConfigLoader.check(fileName, text, "logging", "format", format != null, "must be text or json, was '" + s.format() + "'");
        Level level = s.level() != null ? named(Level.class, s.level()) : LogSettings.DEFAULTS.level();
        ConfigLoader.check(fileName, text, "logging", "level", level != null, "must be error, warn, info, debug or trace, was '" + s.level() + "'");
        return new LogSettings(format, level);
    }

    /** The constant of {@code type} named {@code name} in any case, or null. */
    private static <E extends Enum<E>> E named(Class<E> type, String name) {
        try {
            return Enum.valueOf(type, name.strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
