package dev.hubbub.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code checkconfig}: the config checked as startup checks it, with startup's message and exit code. */
class CheckConfigCommandTest {
    private static final String KEY = "keys:\n  - name: \"a.b\"\n    secret: \"s\"\n";

    /** Exit code, stdout and stderr of one run of the command line. */
    record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void aGoodConfigIsOk() {
        Run r = run("checkconfig", "--config", "../config/broker.yaml");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().startsWith("config OK: 1 key(s) (dev.local); ws://127.0.0.1:8080; single node; tokens 3600000 ms"),
                r::toString);
        assertEquals("", r.err());
    }

    @Test
    void theBrokersConfigOptionIsUsedWhenTheCommandHasNone(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("b.yaml"), "server: { port: 9999 }\n" + KEY + "tokens: { maxTtl: 7200000 }\n");
        Run r = run("--config", file.toString(), "checkconfig");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("1 key(s) (a.b); ws://127.0.0.1:9999") && r.out().contains("at most 7200000 ms"), r::toString);
    }

    // Rule: a config startup refuses, checkconfig refuses with the very same message and exit code (2).
    @Test
    void aBadConfigFailsWithStartupsMessageAndCode(@TempDir Path dir) throws Exception {
        Path unknownSetting = Files.writeString(dir.resolve("bad.yaml"), "server:\n  prot: 1\n" + KEY);
        Path missingTls = Files.writeString(dir.resolve("tls.yaml"),
                "server:\n  tls:\n    certFile: missing.crt\n    keyFile: missing.key\n" + KEY);
        Path missingSecret = Files.writeString(dir.resolve("secret.yaml"),
                "keys:\n  - name: \"a.b\"\n    secretFile: nowhere/secret\n");
        for (Path bad : new Path[] {unknownSetting, missingTls, missingSecret}) {
            Run check = run("checkconfig", "--config", bad.toString());
            Run startup = run("--config", bad.toString(), "--port", "0");
            assertEquals(2, startup.code(), startup::toString);
            assertEquals(startup.code(), check.code(), check::toString);
            assertTrue(check.err().startsWith("hubbub: configuration error: " + bad), check::toString);
            assertEquals(startup.err(), check.err());
            assertEquals("", check.out());
        }
    }

    @Test
    void aSecretFileOthersMayReadIsWarnedAboutButUsable(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "POSIX permissions only");
        Path secret = Files.writeString(dir.resolve("secret"), "the-secret\n");
        Files.setPosixFilePermissions(secret, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path file = Files.writeString(dir.resolve("b.yaml"), "keys:\n  - name: \"a.b\"\n    secretFile: secret\n");
        Run r = run("checkconfig", "--config", file.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.err().startsWith("hubbub: warning: 'keys[0].secretFile' (key a.b): " + secret), r::toString);
        assertTrue(!r.err().contains("the-secret") && !r.out().contains("the-secret"), r::toString);
    }

    @Test
    void helpListsTheCommand() {
        Run r = run("--help");
        assertTrue(r.out().contains("checkconfig"), r::toString);
    }
}
