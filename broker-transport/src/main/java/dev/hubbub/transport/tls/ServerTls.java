package dev.hubbub.transport.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's TLS: the server context built from a certificate chain and key in PEM files,
 * through OpenSSL (netty-tcnative's BoringSSL) where it loads, else the JDK's TLS. Each new
 * connection takes the context current at that moment, so the files can be replaced while the
 * broker runs: {@link #reload()} (on SIGHUP) or {@link #watch} (when their modification time,
 * size or inode change) builds a new context, and a reload that fails keeps the old one and logs
 * a warning. Connections already open keep the certificate they were made with.
 */
public final class ServerTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    /** Which TLS implementation: OpenSSL when available ({@code AUTO}), or exactly one. */
    public enum Provider { AUTO, OPENSSL, JDK }

    /** What was served from which version of the files. */
    private record Loaded(SslContext context, KeyMaterial material, List<Object> stamp) {}

    /** What every SDK in use speaks; nothing older. */
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final Path certFile;
    private final Path keyFile;
    private final SslProvider provider;
    private volatile Loaded current;
    /** The stamp of the files as last tried, loaded or not (so a broken file is reported once, not on every check). */
    private List<Object> lastTried;
    private ScheduledExecutorService watcher;

    private ServerTls(Path certFile, Path keyFile, SslProvider provider, Loaded loaded) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.provider = provider;
        this.current = loaded;
        this.lastTried = loaded.stamp();
    }

    /** Reads and checks the files and builds the first context; a problem stops here with a message naming the file. */
    public static ServerTls load(Path certFile, Path keyFile, Provider choice) throws TlsConfigException {
        SslProvider provider = switch (Objects.requireNonNull(choice)) {
            case AUTO -> openSslAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
            case JDK -> SslProvider.JDK;
            case OPENSSL -> {
                if (!openSslAvailable()) {
                    throw new TlsConfigException("provider", "OpenSSL is not available here (netty-tcnative-boringssl-static"
                            + " did not load: " + OpenSsl.unavailabilityCause() + "); use provider 'auto' or 'jdk'");
                }
                yield SslProvider.OPENSSL;
            }
        };
        return new ServerTls(certFile, keyFile, provider, build(certFile, keyFile, provider));
    }

    /** Whether netty-tcnative (BoringSSL) loaded on this machine. */
    public static boolean openSslAvailable() {
        return OpenSsl.isAvailable();
    }

    private static Loaded build(Path certFile, Path keyFile, SslProvider provider) throws TlsConfigException {
        List<Object> stamp = stamp(certFile, keyFile);
        KeyMaterial material = PemFiles.load(certFile, keyFile);
        try {
            SslContext context = SslContextBuilder.forServer(material.key(), material.chain().toArray(X509Certificate[]::new))
                    .sslProvider(provider)
                    .protocols(PROTOCOLS)
                    .build();
            return new Loaded(context, material, stamp);
        } catch (SSLException | RuntimeException e) {
            throw new TlsConfigException("keyFile", keyFile + " with " + certFile + ": the TLS library (" + name(provider)
                    + ") refused this key and certificate (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The context for a new connection. */
    public SslContext context() { return current.context(); }

    /** The certificate chain and key now served. */
    public KeyMaterial material() { return current.material(); }

    /** "OpenSSL (BoringSSL)" or "JDK (SunJSSE)". */
    public String providerName() { return name(provider); }

    /** For the startup line: the provider and the certificate served (never the key). */
    public String describe() { return providerName() + ", " + material().describe(); }

    /** A warning when the certificate served is expired or not valid yet (clients refuse it), else null. */
    public String validityWarning() {
        X509Certificate c = material().certificate();
        java.time.Instant now = java.time.Instant.now();
        if (c.getNotAfter().toInstant().isBefore(now)) {
            return "TLS certificate '" + c.getSubjectX500Principal().getName() + "' expired at " + c.getNotAfter().toInstant()
                    + ": clients will refuse it";
        }
        if (c.getNotBefore().toInstant().isAfter(now)) {
            return "TLS certificate '" + c.getSubjectX500Principal().getName() + "' is not valid before "
                    + c.getNotBefore().toInstant() + ": clients will refuse it until then";
        }
        return null;
    }

    private static String name(SslProvider provider) {
        if (provider == SslProvider.JDK) {
            try {
                return "JDK (" + SSLContext.getInstance("TLS").getProvider().getName() + ")";
            } catch (java.security.NoSuchAlgorithmException e) {
                return "JDK";
            }
        }
        return "OpenSSL (" + OpenSsl.versionString() + ")";
    }

    /**
     * Reads the files again and, if they serve, makes their context the one new connections get.
     * On failure the previous certificate stays in service and a warning says why.
     *
     * @return whether the new files are now served
     */
    public synchronized boolean reload() {
        lastTried = stamp(certFile, keyFile);
        try {
            Loaded loaded = build(certFile, keyFile, provider);
            current = loaded;
            log.info("TLS certificate reloaded: {}", loaded.material().describe());
            String validity = validityWarning();
            if (validity != null) {
                log.warn(validity);
            }
            return true;
        } catch (TlsConfigException e) {
            log.warn("TLS certificate reload failed; still serving the previous {}: {}", current.material().describe(),
                    e.getMessage());
            return false;
        }
    }

    /** {@link #reload()} if either file changed since it was last read (or tried); false when nothing changed. */
    public synchronized boolean reloadIfChanged() {
        if (stamp(certFile, keyFile).equals(lastTried)) {
            return false;
        }
        return reload();
    }

    /** Checks the files every {@code intervalMillis} on a daemon thread of its own and reloads them when they change. */
    public synchronized void watch(long intervalMillis) {
        if (intervalMillis <= 0 || watcher != null) {
            return;
        }
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tls-reload");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(() -> {
            try {
                reloadIfChanged();
            } catch (RuntimeException e) {
                log.warn("TLS certificate check failed: {}", e.toString());
            }
        }, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Each file's modification time, size and identity (inode), following links; null for a file that cannot be read. */
    private static List<Object> stamp(Path... files) {
        Object[] parts = new Object[files.length * 3];
        for (int i = 0; i < files.length; i++) {
            try {
                BasicFileAttributes a = Files.readAttributes(files[i], BasicFileAttributes.class);
                parts[3 * i] = a.lastModifiedTime();
                parts[3 * i + 1] = a.size();
                parts[3 * i + 2] = a.fileKey();
            } catch (IOException e) {
                parts[3 * i] = "unreadable";
            }
        }
        return java.util.Arrays.asList(parts);
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            watcher.shutdownNow();
            watcher = null;
        }
    }
}
