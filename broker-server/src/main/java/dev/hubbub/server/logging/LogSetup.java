package dev.hubbub.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import dev.hubbub.server.config.LogSettings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Sets up logback from the config: one appender on standard output, writing text lines or JSON
 * lines. Until {@link #apply} runs (as soon as the config is read), {@code logback.xml} gives the
 * same text format at INFO.
 */
public final class LogSetup {
    /** Time (UTC, ISO 8601), level, thread, logger's simple name, the message on one line. */
    public static final String TEXT_PATTERN =
            "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX, UTC} %-5level [%thread] %logger{0} - %oneLineMsg%n";
    /** Libraries whose INFO and DEBUG lines are noise to an operator: WARN at the least. */
    static final List<String> QUIET = List.of("io.netty", "io.lettuce");
    /** The startup and stop lines (where it listens, that it stopped): written at any level. */
    static final String LIFECYCLE = "dev.hubbub.server.Main";

    private LogSetup() {}

    /** Replaces the logging set up so far (logback.xml) with the configured one, on standard output. */
    public static void apply(LogSettings settings) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) { // another SLF4J backend (an embedder's): left as it is
            configure(context, settings, new ConsoleAppender<>());
        }
    }

    /** Resets {@code context} and logs through {@code appender} (not yet started) in the configured format and level. */
    static void configure(LoggerContext context, LogSettings settings, OutputStreamAppender<ILoggingEvent> appender) {
        context.reset();
        appender.setContext(context);
        appender.setName(settings.format().name().toLowerCase(java.util.Locale.ROOT));
        appender.setEncoder(encoder(context, settings.format()));
        appender.start();
        Level level = Level.toLevel(settings.level().name());
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(appender);
        for (String name : QUIET) {
            context.getLogger(name).setLevel(level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN);
        }
        context.getLogger(LIFECYCLE).setLevel(level.isGreaterOrEqual(Level.INFO) ? Level.INFO : level);
    }

    static Encoder<ILoggingEvent> encoder(LoggerContext context, LogSettings.Format format) {
        return switch (format) {
            case TEXT -> {
                PatternLayout layout = new PatternLayout();
                layout.getInstanceConverterMap().put("oneLineMsg", SingleLineMessage::new);
                layout.setPattern(TEXT_PATTERN);
                layout.setContext(context);
                layout.start();
                LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
                text.setLayout(layout);
                text.setCharset(StandardCharsets.UTF_8);
                text.setContext(context);
                text.start();
                yield text;
            }
            case JSON -> {
                // one object a line: timestamp (epoch ms), level, threadName, loggerName, message (the
                // template, for grouping), formattedMessage, mdc, kvpList, markers and throwable when present
                JsonEncoder json = new JsonEncoder();
                json.setContext(context);
                json.setWithSequenceNumber(false);
                json.setWithNanoseconds(false);
                json.setWithContext(false);
                json.setWithArguments(false);
                json.setWithFormattedMessage(true);
                json.start();
                yield json;
            }
        };
    }
}
