package dev.hubbub.transport.tls;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hubbub.testkit.TestPki;
import dev.hubbub.transport.BrokerServer;
import dev.hubbub.transport.TestBroker;
import io.netty.handler.ssl.OpenSsl;
import java.time.Duration;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real listener with TLS: HTTPS through either provider with the whole chain sent, plaintext on
 * the TLS port answered 400 and closed, and certificates replaced while the listener runs.
 */
class TlsListenerTest {
    private static final TestPki PKI = TestPki.create("tls-listener-test");

    @TempDir
    Path dir;

    private final TestBroker core = new TestBroker();
    private BrokerServer server;
    private ServerTls tls;
    private int port;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    private Path[] files(String commonName) {
        return PKI.issue(commonName, "EC").write(dir, "server");
    }

    private void start(ServerTls.Provider provider, Path[] files) throws Exception {
        tls = ServerTls.load(files[0], files[1], provider);
        server = new BrokerServer(core.connector, core.rest(), core.limits,
                new BrokerServer.Options("127.0.0.1", 0, 1, 8L << 20, 1 << 20, 1000), new TransportSecurity(tls, false));
        port = server.start().getPort();
    }

    /** What a TLS client that trusts the test root saw: the HTTP status line and the certificates the server sent. */
    record Served(String statusLine, X509Certificate[] chain, String protocol) {
        String subject() { return chain[0].getSubjectX500Principal().getName(); }
    }

    private Served get(String path) throws IOException {
        return get(path, null);
    }

    /** @param protocol the one TLS version the client offers, or null for its defaults */
    private Served get(String path, String protocol) throws IOException {
        try (SSLSocket s = (SSLSocket) PKI.clientContext().getSocketFactory().createSocket()) {
            if (protocol != null) {
                s.setEnabledProtocols(new String[] {protocol});
            }
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            s.setSoTimeout(5000);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name 127.0.0.1
            s.setSSLParameters(p);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String response = new String(readAll(s.getInputStream()), StandardCharsets.ISO_8859_1);
            return new Served(response.lines().findFirst().orElse(""),
                    (X509Certificate[]) s.getSession().getPeerCertificates(), s.getSession().getProtocol());
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }

    @Test
    void openSslLoadsHereAndIsChosenByDefault() throws Exception {
        assumeTrue(System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64"),
                "netty-tcnative-boringssl-static is shipped for linux-x86_64 only");
        assertTrue(OpenSsl.isAvailable(), () -> "netty-tcnative did not load: " + OpenSsl.unavailabilityCause());
        start(ServerTls.Provider.AUTO, files("auto.test"));
        assertTrue(tls.providerName().startsWith("OpenSSL (BoringSSL"), tls.providerName());
        assertTrue(tls.describe().contains("CN=auto.test") && tls.describe().contains("expires"), tls.describe());
        assertEquals("HTTP/1.1 200 OK", get("/time").statusLine());
    }

    @ParameterizedTest
    @EnumSource(value = ServerTls.Provider.class, names = {"OPENSSL", "JDK"})
    void servesHttpsWithTheWholeChain(ServerTls.Provider provider) throws Exception {
        assumeTrue(provider != ServerTls.Provider.OPENSSL || OpenSsl.isAvailable(), "OpenSSL not available here");
        start(provider, files("https.test"));
        assertTrue(tls.providerName().startsWith(provider == ServerTls.Provider.JDK ? "JDK" : "OpenSSL"), tls.providerName());
        Served served = get("/time");
        assertEquals("HTTP/1.1 200 OK", served.statusLine());
        assertEquals("CN=https.test", served.subject());
        assertEquals(2, served.chain().length, "the intermediate is sent: clients trust only the root");
        assertEquals(PKI.intermediate(), served.chain()[1]);
        assertEquals("TLSv1.3", served.protocol());
        assertEquals("TLSv1.2", get("/time", "TLSv1.2").protocol(), "TLS 1.2 clients are served too");
    }

    @Test
    void plaintextOnTheTlsPortIsAnswered400AndClosed() throws Exception {
        start(ServerTls.Provider.AUTO, files("plain.test"));
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET /?key=" + TestBroker.FULL_KEY + "&format=json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = new String(readAll(s.getInputStream()), StandardCharsets.UTF_8); // to EOF: the server closes
            assertTrue(response.startsWith("HTTP/1.1 400 Bad Request\r\n"), response);
            assertTrue(response.endsWith("\r\n\r\n" + TlsOnlyHandler.PLAINTEXT_REFUSAL), response);
            assertFalse(response.contains("101"), response);
        }
        assertEquals(0, core.metrics.connections(), "no realtime connection over plaintext");
        assertEquals("HTTP/1.1 200 OK", get("/time").statusLine(), "TLS clients are served as before");
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateFailsItsHandshake() throws Exception {
        start(ServerTls.Provider.AUTO, files("untrusted.test"));
        TestPki other = TestPki.create("another");
        try (SSLSocket s = (SSLSocket) other.clientContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            assertThrows(SSLHandshakeException.class, s::startHandshake);
        }
    }

    @Test
    void replacedFilesServeNewConnectionsAndABrokenReloadKeepsTheOldCertificate() throws Exception {
        Path[] files = files("first.test");
        start(ServerTls.Provider.AUTO, files);
        assertEquals("CN=first.test", get("/time").subject());
        assertFalse(tls.reloadIfChanged(), "nothing changed");

        TestPki.Issued second = PKI.issue("second.test", "EC");
        second.replace(files[0], files[1]);
        assertTrue(tls.reloadIfChanged());
        assertEquals("CN=second.test", get("/time").subject());
        assertEquals("CN=second.test", tls.material().certificate().getSubjectX500Principal().getName());

        // a deploy that went wrong: the key of another certificate. The broker keeps serving the last good one.
        Files.writeString(files[1], PKI.issue("third.test", "EC").keyPem());
        assertFalse(tls.reloadIfChanged());
        assertEquals("CN=second.test", get("/time").subject());
        assertFalse(tls.reloadIfChanged(), "a broken file is tried once, not on every check");
        Files.delete(files[0]);
        assertFalse(tls.reloadIfChanged());
        assertEquals("CN=second.test", get("/time").subject());

        TestPki.Issued fourth = PKI.issue("fourth.test", "RSA");
        fourth.replace(files[0], files[1]);
        assertTrue(tls.reload());
        assertEquals("CN=fourth.test", get("/time").subject());
    }

    @Test
    void watchedFilesAreReloadedWhenTheyChange() throws Exception {
        Path[] files = files("watched-1.test");
        start(ServerTls.Provider.AUTO, files);
        tls.watch(100);
        PKI.issue("watched-2.test", "EC").replace(files[0], files[1]);
        await("the changed files served").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50)).until(() -> get("/time").subject().equals("CN=watched-2.test"));
    }
}
