package dev.hubbub.transport.tls;

/**
 * TLS cannot be set up as configured: a certificate or key file that cannot serve (missing,
 * unreadable, not PEM, a key that does not match its certificate) or a provider that is not
 * available. The message names the file and says what is wrong; it never quotes key material.
 */
public final class TlsConfigException extends Exception {
    private final String setting;

    public TlsConfigException(String setting, String message) {
        super(message);
        this.setting = setting;
    }

    /** The setting the problem is about: {@code certFile}, {@code keyFile} or {@code provider}. */
    public String setting() { return setting; }
}
