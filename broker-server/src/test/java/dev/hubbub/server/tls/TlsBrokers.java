package dev.hubbub.server.tls;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.server.config.TlsSettings;
import dev.hubbub.testkit.TestPki;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * Two brokers for the TLS end-to-end tests, both refusing an API key over plaintext: one serving
 * TLS with a certificate for 127.0.0.1 from a throwaway CA made now, one plain. The CA's root is
 * written as PEM (for node's {@code NODE_EXTRA_CA_CERTS}) and as a PKCS#12 trust store.
 */
final class TlsBrokers implements AutoCloseable {
    static final String KEY = "tls1.main:secret-for-tls-tests";

    final TestPki pki = TestPki.create("hubbub-e2e");
    final Path dir;
    final Path caPem;
    final BrokerApp tlsBroker;
    final BrokerApp plainBroker;
    private final ApiKey key = new ApiKey("tls1.main", "secret-for-tls-tests", Capability.ALL);
    private final TokenAuthority authServer = new TokenAuthority(new KeyStore(List.of(key)), Clock.systemUTC());

    TlsBrokers() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("hubbub-tls-");
        caPem = pki.writeRoot(dir.resolve("ca.pem"));
        Path[] files = pki.issue("127.0.0.1", "EC").write(dir, "server");
        BrokerConfig base = new BrokerConfig("127.0.0.1", 0, List.of(key), Limits.defaults(), 8L * 1024 * 1024, 1);
        tlsBroker = new BrokerApp(base.withTls(TlsSettings.of(files[0], files[1]), true), Clock.systemUTC(), new SimpleMeterRegistry());
        tlsBroker.start();
        plainBroker = new BrokerApp(base.withTls(null, true), Clock.systemUTC(), new SimpleMeterRegistry());
        plainBroker.start();
    }

    int tlsPort() { return tlsBroker.address().getPort(); }

    int plainPort() { return plainBroker.address().getPort(); }

    /** A token for {@code clientId}, from an auth server holding the same key. */
    String token(String clientId) {
        return authServer.issue(key, new TokenParams(null, null, clientId, null, null)).value().token();
    }

    /**
     * Makes this JVM's default TLS trust the test root, for SDKs that use the defaults (ably-java:
     * {@code SSLContext.init(null, null, null)} for WebSockets, {@code HttpsURLConnection} for
     * REST); {@link Trust#close()} puts back what was there.
     */
    Trust trustInThisJvm() {
        return new Trust(pki.writeTrustStore(dir.resolve("truststore.p12")), pki.clientContext().getSocketFactory());
    }

    static final class Trust implements AutoCloseable {
        private static final String[] PROPERTIES = {"javax.net.ssl.trustStore", "javax.net.ssl.trustStorePassword",
                "javax.net.ssl.trustStoreType"};
        private final String[] saved = new String[PROPERTIES.length];
        private final SSLSocketFactory savedHttps = HttpsURLConnection.getDefaultSSLSocketFactory();

        Trust(Path trustStore, SSLSocketFactory https) {
            for (int i = 0; i < PROPERTIES.length; i++) {
                saved[i] = System.getProperty(PROPERTIES[i]);
            }
            System.setProperty("javax.net.ssl.trustStore", trustStore.toString());
            System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
            System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
            HttpsURLConnection.setDefaultSSLSocketFactory(https);
        }

        @Override
        public void close() {
            for (int i = 0; i < PROPERTIES.length; i++) {
                if (saved[i] == null) {
                    System.clearProperty(PROPERTIES[i]);
                } else {
                    System.setProperty(PROPERTIES[i], saved[i]);
                }
            }
            HttpsURLConnection.setDefaultSSLSocketFactory(savedHttps);
        }
    }

    @Override
    public void close() throws IOException {
        tlsBroker.close();
        plainBroker.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
