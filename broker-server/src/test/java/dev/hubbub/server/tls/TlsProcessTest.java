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

    @Test
    void startupLineNamesTheTlsAndSighupReloadsTheCertificate() throws Exception {
        assumeTrue(System.getProperty("os.name").equals("Linux"), "SIGHUP is sent with kill(1)");
        TestPki.Issued first = PKI.issue("first.test", "EC");
        Path[] files = first.write(dir, "server");
        Path config = Files.writeString(dir.resolve("broker.yaml"), """
                server:
                  host: 127.0.0.1
                  tls:
                    certFile: server.crt
                    keyFile: server.key
                    checkInterval: 0
                keys:
                  - name: "proc.main"
                    secret: "process-test-secret"
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        broker = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.hubbub.server.Main",
                "--config", config.toString(), "--port", "0").redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
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
        Matcher m = LISTENING.matcher(startup);
        assertTrue(m.matches());
        int port = Integer.parseInt(m.group(1));
        assertTrue(startup.contains("(wss://127.0.0.1:" + port + "/, 1 key(s); TLS by "), startup);
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
        await("the new certificate after SIGHUP").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50)).until(() -> servedSubject(port).equals("CN=second.test"));
        assertTrue(broker.isAlive(), "SIGHUP reloads; it does not stop the broker");
    }
}
