package dev.hubbub.server.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hubbub.testkit.TestPki;
import io.netty.handler.ssl.OpenSsl;
import java.time.Duration;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker as operators run it, in a process of its own: its startup line says wss:// and which
 * TLS serves which certificate (never the key), and SIGHUP makes it read replaced certificate
 * files without a restart.
 */
class TlsProcessTest {
    private static final TestPki PKI = TestPki.create("process-test");
    private static final Pattern LISTENING = Pattern.compile(".* - hubbub listening on 127\\.0\\.0\\.1:(\\d+) .*");

    @TempDir
    Path dir;

    private Process broker;

    @AfterEach
    void stop() throws InterruptedException {
        if (broker != null) {
            broker.destroy();
            if (!broker.waitFor(10, TimeUnit.SECONDS)) {
                broker.destroyForcibly();
            }
        }
    }

    private String servedSubject(int port) throws IOException {
        try (SSLSocket s = (SSLSocket) PKI.clientContext().getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    /** The broker's output lines, read as it writes them. */
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    /**
     * Starts the broker on {@code config} behind {@code prefix} (a command that then runs it) and
     * waits for its startup line, which it returns with everything printed before it.
     */
    private String[] start(Path config, List<String> prefix) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(prefix);
        command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), "dev.hubbub.server.Main",
                "--config", config.toString(), "--port", "0"));
        broker = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "broker-output");
        reader.setDaemon(true);
        reader.start();

        StringBuilder output = new StringBuilder();
        String startup = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (startup == null && System.nanoTime() < deadline) {
            String line = lines.poll(1, TimeUnit.SECONDS);
            if (line != null) {
                output.append(line).append('\n');
                if (LISTENING.matcher(line).matches()) {
                    startup = line;
                }
            }
        }
        assertNotNull(startup, "no startup line:\n" + output);
        return new String[] {startup, output.toString()};
    }

    /**
     * A process inherits the signals its parent ignores, and the JVM installs no handler for an
     * ignored SIGHUP: a test run under nohup would otherwise send its SIGHUP into nothing. GNU env
     * (coreutils 8.31 and later) puts SIGHUP back to its default first; where it cannot, the
     * broker is started as it is.
     */
    private static List<String> hupDelivered() throws Exception {
        Process probe = new ProcessBuilder("env", "--default-signal=HUP", "true").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        return probe.waitFor() == 0 ? List.of("env", "--default-signal=HUP") : List.of();
    }

    private Path tlsConfig(Path certAndKeyDir, long checkInterval) throws IOException {
        return Files.writeString(certAndKeyDir.resolve("broker.yaml"), """
                server:
                  host: 127.0.0.1
                  tls:
                    certFile: server.crt
                    keyFile: server.key
                    checkInterval: %d
                keys:
                  - name: "proc.main"
                    secret: "process-test-secret"
                """.formatted(checkInterval));
    }

    @Test
    void startupLineNamesTheTlsAndSighupReloadsTheCertificate() throws Exception {
        assumeTrue(System.getProperty("os.name").equals("Linux"), "SIGHUP is sent with kill(1)");
        TestPki.Issued first = PKI.issue("first.test", "EC");
        Path[] files = first.write(dir, "server");
        String[] started = start(tlsConfig(dir, 0), hupDelivered());
        String startup = started[0];
        String output = started[1];
        Matcher m = LISTENING.matcher(startup);
        assertTrue(m.matches());
        int port = Integer.parseInt(m.group(1));
        assertTrue(startup.contains("(wss://127.0.0.1:" + port + "/, 1 key(s), "
                + dev.hubbub.transport.IoTransport.AUTO.resolve().configName() + "; TLS by "), startup);
        assertTrue(startup.contains(OpenSsl.isAvailable() ? "TLS by OpenSSL (BoringSSL" : "TLS by JDK"), startup);
        assertTrue(startup.contains("certificate 'CN=first.test'") && startup.contains("expires " + first.certificate()
                .getNotAfter().toInstant()), startup);
        String keyText = Base64.getEncoder().encodeToString(first.key().getEncoded());
        for (String line : (output + String.join("\n", List.copyOf(lines))).split("\n")) {
            assertFalse(line.contains(keyText.substring(keyText.length() - 24)), "the key was printed: " + line);
        }

        assertEquals("CN=first.test", servedSubject(port));
        PKI.issue("second.test", "EC").replace(files[0], files[1]);
        // checkInterval 0: the files are read again only on SIGHUP, so the old certificate stays meanwhile
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> servedSubject(port).equals("CN=first.test"));

        Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(broker.pid())).inheritIO().start();
        assertEquals(0, hup.waitFor());
        try {
            await("the new certificate after SIGHUP").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50)).until(() -> servedSubject(port).equals("CN=second.test"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("still " + servedSubject(port) + " after SIGHUP; alive " + broker.isAlive()
                    + "; the broker's output since it started:\n" + String.join("\n", List.copyOf(lines)), e);
        }
        assertTrue(broker.isAlive(), "SIGHUP reloads; it does not stop the broker");
    }

    // Rule: a broker started with SIGHUP ignored (under nohup) says at startup that SIGHUP cannot
    // reload its certificate, and what to do instead; the JVM gives no other sign of it.
    @Test
    void aBrokerThatInheritedAnIgnoredSighupSaysSo() throws Exception {
        assumeTrue(System.getProperty("os.name").equals("Linux"), "signal dispositions are POSIX");
        Process probe = new ProcessBuilder("env", "--ignore-signal=HUP", "true").redirectErrorStream(true).start();
        probe.getInputStream().readAllBytes();
        assumeTrue(probe.waitFor() == 0, "needs GNU env 8.31+ to start a process with SIGHUP ignored");
        PKI.issue("ignored.test", "EC").write(dir, "server");
        String[] started = start(tlsConfig(dir, 0), List.of("env", "--ignore-signal=HUP"));
        String said = started[1];
        assertTrue(said.contains("SIGHUP is ignored in this process") && said.contains("server.tls.checkInterval"), said);

        broker.destroy();
        broker.waitFor(10, TimeUnit.SECONDS);
        lines.clear();
        String delivered = start(tlsConfig(dir, 0), hupDelivered())[1];
        assertFalse(delivered.contains("SIGHUP is ignored"), "not said when SIGHUP is delivered: " + delivered);
    }
}
