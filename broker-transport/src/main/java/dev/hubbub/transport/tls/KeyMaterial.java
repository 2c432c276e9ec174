package dev.hubbub.transport.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A server's certificate chain (its own certificate first, then any intermediates) and the
 * private key of the first certificate, read and checked by {@link PemFiles}.
 */
public record KeyMaterial(List<X509Certificate> chain, PrivateKey key) {
    public KeyMaterial {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no certificate");
        }
    }

    /** The server's own certificate. */
    public X509Certificate certificate() { return chain.get(0); }

    public Instant notAfter() { return certificate().getNotAfter().toInstant(); }

    /** For log lines: whose certificate, by whom, until when; nothing about the key but its algorithm. */
    public String describe() {
        X509Certificate c = certificate();
        return "certificate '" + c.getSubjectX500Principal().getName() + "' issued by '" + c.getIssuerX500Principal().getName()
                + "', expires " + notAfter() + (chain.size() > 1 ? ", " + (chain.size() - 1) + " intermediate(s)" : "")
                + ", " + key.getAlgorithm() + " key";
    }
}
