package dev.hubbub.bench.auth;

/** An API key {@code keyName:secret}; {@link #toString()} never shows the secret. */
public record ApiKey(String keyName, String secret) {

    /** Parses {@code NAME:SECRET}; throws IllegalArgumentException naming what is wrong. */
    public static ApiKey parse(String full) {
        if (full == null) {
            throw new IllegalArgumentException("key is missing");
        }
        int colon = full.indexOf(':');
        if (colon <= 0 || colon == full.length() - 1) {
            throw new IllegalArgumentException("key must be NAME:SECRET");
        }
        return new ApiKey(full.substring(0, colon), full.substring(colon + 1));
    }

    public String full() {
        return keyName + ":" + secret;
    }

    @Override
    public String toString() {
        return keyName + ":<secret>";
    }
}
