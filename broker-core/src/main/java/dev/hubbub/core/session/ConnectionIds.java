package dev.hubbub.core.session;

import java.security.SecureRandom;

/** Random connection ids ({@code [A-Za-z0-9_-]}, never ':') and connection keys. */
public final class ConnectionIds {
    private static final char[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ConnectionIds() {}

    public static String connectionId() { return random(12); }

    public static String connectionKey(String connectionId) { return random(16) + '!' + connectionId; }

    /** A random string of {@code n} characters from {@code [A-Za-z0-9_-]}. */
    public static String random(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        char[] out = new char[n];
        for (int i = 0; i < n; i++) {
            out[i] = ALPHABET[bytes[i] & 63];
        }
        return new String(out);
    }
}
