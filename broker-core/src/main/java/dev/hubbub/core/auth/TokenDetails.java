package dev.hubbub.core.auth;

import java.util.Objects;

/**
 * A token as handed to a client (Ably's TokenDetails). {@code issued} and {@code expires} are epoch
 * millis; {@code capability} is canonical capability JSON text (the wire carries it as a string);
 * {@code clientId} is null for an anonymous token (the wire omits it) and {@code "*"} for a
 * wildcard token. {@link #toString()} leaves the token string out so it cannot reach a log line.
 */
public record TokenDetails(String token, String keyName, long issued, long expires, String capability, String clientId) {
    public TokenDetails {
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(keyName, "keyName");
        Objects.requireNonNull(capability, "capability");
    }

    @Override
    public String toString() {
        return "TokenDetails[keyName=" + keyName + ", issued=" + issued + ", expires=" + expires
                + ", capability=" + capability + ", clientId=" + clientId + "]";
    }
}
