package dev.hubbub.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.server.config.LogSettings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * The configured logging, built into a context of its own that writes to memory: one event is one
 * line in either format, whatever a client put in the values it logs.
 */
class LogSetupTest {
    /** A clientId that tries to end the line and forge the next one. */
    private static final String FORGED = "mallory\r\n2030-01-01T00:00:00.000Z INFO  [main] Main - admin logged in";
    private static final String TEMPLATE = "conn={} rejected clientId claim: claimed='{}'";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final LoggerContext context = new LoggerContext();

    {
        context.setMDCAdapter(new LogbackMDCAdapter()); // what logback's SLF4J provider gives its own context
    }

    private Logger configured(LogSettings.Format format, Level level) {
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setOutputStream(out);
        LogSetup.configure(context, new LogSettings(format, level), appender);
        return context.getLogger("dev.hubbub.core.identity.IdentityGate");
    }

    private List<String> lines() {
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n"), () -> "every event ends its line: " + text);
        return List.of(text.substring(0, text.length() - 1).split("\n", -1));
    }

    @Test
    void jsonIsOneParsableObjectPerEventWithTheValueIntact() throws Exception {
        configured(LogSettings.Format.JSON, Level.INFO).info(TEMPLATE, 7, FORGED);
        List<String> lines = lines();
        assertEquals(1, lines.size(), () -> "one line per event: " + lines);
        assertFalse(lines.get(0).contains("\r"), lines.get(0));
        JsonNode event = new ObjectMapper().readTree(lines.get(0));
        assertEquals("INFO", event.path("level").asText());
        assertEquals("dev.hubbub.core.identity.IdentityGate", event.path("loggerName").asText());
        assertEquals(Thread.currentThread().getName(), event.path("threadName").asText());
        assertTrue(event.path("timestamp").isNumber(), event::toString);
        assertEquals("conn=7 rejected clientId claim: claimed='" + FORGED + "'", event.path("formattedMessage").asText());
        assertEquals(TEMPLATE, event.path("message").asText(), "the template, to group events by");
        assertTrue(event.path("sequenceNumber").isMissingNode() && event.path("context").isMissingNode()
                && event.path("arguments").isMissingNode(), event::toString);
    }

    @Test
    void textIsOneLinePerEventWithLineBreaksEscaped() {
        configured(LogSettings.Format.TEXT, Level.INFO).info(TEMPLATE, 7, FORGED);
        List<String> lines = lines();
        assertEquals(1, lines.size(), () -> "one line per event: " + lines);
        String line = lines.get(0);
        assertFalse(line.contains("\r"), line);
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\["
                + java.util.regex.Pattern.quote(Thread.currentThread().getName()) + "] IdentityGate - conn=7 .*"), line);
        assertTrue(line.endsWith("claimed='mallory\\r\\n2030-01-01T00:00:00.000Z INFO  [main] Main - admin logged in'"), line);
    }

    @Test
    void textKeepsAnExceptionsStackTraceAfterTheLine() {
        configured(LogSettings.Format.TEXT, Level.INFO).warn("failed", new IllegalStateException("boom"));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains(" WARN  [") && text.contains("java.lang.IllegalStateException: boom\n\tat "), text);
    }

    @Test
    void theLevelAppliesToTheBrokerAndNettyAndLettuceStayAtWarnOrAbove() {
        Logger broker = configured(LogSettings.Format.TEXT, Level.DEBUG);
        broker.debug("broker debug");
        context.getLogger("io.netty.buffer.PooledByteBufAllocator").info("netty info");
        context.getLogger("io.lettuce.core.protocol.ConnectionWatchdog").info("lettuce info");
        context.getLogger("io.lettuce.core.RedisClient").warn("lettuce warn");
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("broker debug") && text.contains("lettuce warn"), text);
        assertFalse(text.contains("netty info") || text.contains("lettuce info"), text);
    }

    @Test
    void theStartupAndStopLinesAreWrittenAtAnyLevel() {
        Logger broker = configured(LogSettings.Format.JSON, Level.WARN);
        broker.info("quiet");
        context.getLogger("dev.hubbub.server.Main").info("hubbub listening on 127.0.0.1:1");
        String text = out.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("quiet"), text);
        assertTrue(text.contains("hubbub listening on 127.0.0.1:1"), text);
    }

    @Test
    void escapesEveryLineBreakAndControlCharacterButTab() {
        assertEquals("plain\ttext é", SingleLineMessage.escape("plain\ttext é"));
        assertEquals("a\\nb\\rc\\u001bd\\u0085e\\u2028f\\u0000", SingleLineMessage.escape("a\nb\rc\u001bd\u0085e\u2028f\u0000"));
    }
}
