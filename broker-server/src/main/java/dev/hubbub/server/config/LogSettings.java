package dev.hubbub.server.config;

import java.util.Objects;
import org.slf4j.event.Level;

/**
 * {@code logging}: how log lines are written (to standard output).
 *
 * @param format {@code TEXT}: one line per event (time, level, thread, logger, message);
 *               {@code JSON}: one JSON object per line, for log collectors
 * @param level  the broker's level; Netty and Lettuce log at WARN or above whatever it is
 */
public record LogSettings(Format format, Level level) {
    public enum Format { TEXT, JSON }

    public static final LogSettings DEFAULTS = new LogSettings(Format.TEXT, Level.INFO);

    public LogSettings {
        Objects.requireNonNull(format);
        Objects.requireNonNull(level);
    }
}
