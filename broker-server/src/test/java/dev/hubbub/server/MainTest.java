package dev.hubbub.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: documented flags, and a configuration error stops startup with a clear message. */
class MainTest {
    @Test
    void helpDocumentsEveryFlag() {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("--help"));
        String help = out.toString();
        for (String flag : new String[] {"--config", "--port", "--host", "--log-format", "--log-level", "--help", "--version"}) {
            assertTrue(help.contains(flag), () -> flag + " missing from:\n" + help);
        }
        assertTrue(help.contains("config/broker.yaml"), "the default config file is documented:\n" + help);
        assertTrue(help.contains("HUBBUB_LOG_FORMAT") && help.contains("HUBBUB_LOG_LEVEL"), "the environment is documented:\n" + help);
    }

    @Test
    void badConfigStopsStartupWithTheFileInTheMessage(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "server:\n  prot: 1\nkeys:\n  - name: \"a.b\"\n    secret: \"s\"\n");
        PrintStream originalErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.commandLine().execute("--config", bad.toString(), "--port", "0");
        } finally {
            System.setErr(originalErr);
        }
        assertEquals(2, code);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains(bad.toString() + ":2") && message.contains("prot"), message);
    }

    @Test
    void aTlsFileThatCannotServeStopsStartup(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("tls.yaml");
        Files.writeString(config, "server:\n  tls:\n    certFile: missing.crt\n    keyFile: missing.key\n"
                + "keys:\n  - name: \"a.b\"\n    secret: \"s\"\n");
        PrintStream originalErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.commandLine().execute("--config", config.toString(), "--port", "0");
        } finally {
            System.setErr(originalErr);
        }
        assertEquals(2, code);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains(config + ":3: 'server.tls.certFile' " + dir.resolve("missing.crt") + ": no such file"), message);
    }

    @Test
    void unknownFlagIsAUsageError() {
        CommandLine cli = Main.commandLine();
        cli.setErr(new PrintWriter(new StringWriter()));
        assertEquals(2, cli.execute("--prot", "1"));
    }

    @Test
    void theServerRunsWithoutNettysLeakDetectionUnlessAPropertyAsksForIt() {
        ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
        String property = System.getProperty("io.netty.leakDetection.level");
        try {
            System.clearProperty("io.netty.leakDetection.level");
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.SIMPLE);
            Main.leakDetectionForProduction();
            assertEquals(ResourceLeakDetector.Level.DISABLED, ResourceLeakDetector.getLevel());

            System.setProperty("io.netty.leakDetection.level", "paranoid");
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
            Main.leakDetectionForProduction();
            assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel(), "an operator's level stays");
        } finally {
            if (property == null) {
                System.clearProperty("io.netty.leakDetection.level");
            } else {
                System.setProperty("io.netty.leakDetection.level", property);
            }
            ResourceLeakDetector.setLevel(before);
        }
    }
}
