package dev.hubbub.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * An SLF4J provider that keeps the formatted lines logged while a {@link Capture} is open, for
 * tests that check what reaches the log (no secret, no raw line break). broker-core's tests select
 * it explicitly with the system property {@code slf4j.provider} (set in its pom), so it wins over
 * any backend on the class path and is never picked by another module by accident. With no capture
 * open every level is off, as with no backend at all.
 */
public final class RecordingLogs implements SLF4JServiceProvider {
    private static final List<Capture> OPEN = new CopyOnWriteArrayList<>();

    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private final ILoggerFactory loggers = RecordingLogger::new;

    /** Whether SLF4J logs through this provider in this JVM (the test's precondition). */
    public static boolean active() {
        return LoggerFactory.getLogger(RecordingLogs.class) instanceof RecordingLogger;
    }

    /** Starts keeping every line logged, by any thread, until the capture is closed. */
    public static Capture capture() {
        Capture c = new Capture();
        OPEN.add(c);
        return c;
    }

    /** The lines logged (level, logger and message with its arguments and any throwable) while open. */
    public static final class Capture implements AutoCloseable {
        private final List<String> lines = new CopyOnWriteArrayList<>();

        public List<String> lines() { return new ArrayList<>(lines); }

        /** Every line, joined by newlines: what a log file would hold. */
        public String text() { return String.join("\n", lines); }

        @Override
        public void close() { OPEN.remove(this); }
    }

    private static final class RecordingLogger extends LegacyAbstractLogger {
        RecordingLogger(String name) { this.name = name; }

        private static boolean on() { return !OPEN.isEmpty(); }

        @Override public boolean isTraceEnabled() { return on(); }
        @Override public boolean isDebugEnabled() { return on(); }
        @Override public boolean isInfoEnabled() { return on(); }
        @Override public boolean isWarnEnabled() { return on(); }
        @Override public boolean isErrorEnabled() { return on(); }

        @Override
        protected String getFullyQualifiedCallerName() { return null; }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable thrown) {
            String line = level + " " + name + " " + MessageFormatter.basicArrayFormat(pattern, args)
                    + (thrown == null ? "" : " " + thrown);
            OPEN.forEach(c -> c.lines.add(line));
        }
    }

    @Override public ILoggerFactory getLoggerFactory() { return loggers; }
    @Override public IMarkerFactory getMarkerFactory() { return markers; }
    @Override public MDCAdapter getMDCAdapter() { return mdc; }
    @Override public String getRequestedApiVersion() { return "2.0.99"; }
    @Override public void initialize() { }
}
