package dev.hubbub.core.auth;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A configured API key {@code appId.keyId:secret}. The secret never leaves this object except as
 * bytes for HMAC; {@link #toString()} leaves it out so it cannot reach a log line.
 */
public final class ApiKey {
    private final String name;
    private final String appId;
    private final byte[] secret;
    private final Capability capability;
    /** The key our tokens are signed with, derived from the secret once: see {@link #tokenSigningKey}. */
    private volatile byte[] tokenSigningKey;

    public ApiKey(String name, String secret, Capability capability) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(secret, "secret");
        String reason = invalidNameReason(name);
        if (reason != null) {
            throw new IllegalArgumentException(reason);
        }
        if (secret.isEmpty() || secret.contains(":")) {
            throw new IllegalArgumentException("key secret must be non-empty and contain no ':'");
        }
        this.name = name;
        this.appId = name.substring(0, name.indexOf('.'));
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
        this.capability = Objects.requireNonNull(capability, "capability");
    }

    /** Why a key name is not of the form {@code appId.keyId}, or null when it is. */
    public static String invalidNameReason(String name) {
        int dot = name.indexOf('.');
        if (dot <= 0 || dot == name.length() - 1 || name.indexOf('.', dot + 1) >= 0) {
            return "key name must be of the form appId.keyId";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.')) {
                return "key name may contain only letters, digits, '-', '_' and one '.'";
            }
        }
        return null;
    }

    public String name() { return name; }

    public String appId() { return appId; }

    public Capability capability() { return capability; }

    /** The secret as bytes, for HMAC. Callers must not log or keep it. */
    public byte[] secretBytes() { return secret.clone(); }

    /**
     * The token format's signing key, which {@code derive} makes from the secret: computed on first
     * use and kept. Like the secret, it is only ever HMAC input; callers must not change it.
     */
    byte[] tokenSigningKey(java.util.function.Function<byte[], byte[]> derive) {
        byte[] d = tokenSigningKey;
        if (d == null) {
            d = derive.apply(secretBytes());
            tokenSigningKey = d;
        }
        return d;
    }

    /** Constant-time comparison of a presented secret with this key's. */
    public boolean secretMatches(String presented) {
        return presented != null
                && java.security.MessageDigest.isEqual(secret, presented.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() { return "ApiKey[" + name + "]"; }
}
