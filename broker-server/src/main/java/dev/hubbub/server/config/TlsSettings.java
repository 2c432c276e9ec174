package dev.hubbub.server.config;

import dev.hubbub.transport.tls.ServerTls;
import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code server.tls}: the listener serves {@code wss://} and {@code https://} with the certificate
 * chain in {@code certFile} and its key in {@code keyFile} (PEM).
 *
 * @param provider             OpenSSL where it loads ({@code AUTO}), or exactly one
 * @param checkIntervalMillis  how often the files are checked for a new certificate; 0: only on SIGHUP
 */
public record TlsSettings(Path certFile, Path keyFile, ServerTls.Provider provider, long checkIntervalMillis) {
    public static final long DEFAULT_CHECK_INTERVAL_MILLIS = 5_000;

    public TlsSettings {
        Objects.requireNonNull(certFile);
        Objects.requireNonNull(keyFile);
        Objects.requireNonNull(provider);
    }

    /** The files, with the default provider choice and check interval. */
    public static TlsSettings of(Path certFile, Path keyFile) {
        return new TlsSettings(certFile, keyFile, ServerTls.Provider.AUTO, DEFAULT_CHECK_INTERVAL_MILLIS);
    }
}
