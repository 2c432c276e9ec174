package dev.hubbub.core.protocol;

import java.util.Objects;

/** Ably's ErrorInfo: always carries a message, a code and a statusCode (ably-js drops frames otherwise). */
public record ErrorInfo(String message, int code, int statusCode) {
    public ErrorInfo {
        Objects.requireNonNull(message, "message");
    }

    public boolean isTokenError() { return ErrorCode.isTokenError(code); }
}
