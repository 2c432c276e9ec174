package dev.hubbub.bench.client;

/**
 * A failed connect, attach or token request, keyed for the report: an Ably error code
 * ("40101"), "http-404", "timeout", "closed", "handshake", "io".
 */
public final class BenchFailure extends RuntimeException {
    private final String code;

    public BenchFailure(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The message of the innermost meaningful cause (CompletionException and friends unwrapped). */
    public static String messageOf(Throwable t) {
        Throwable cur = t;
        while ((cur instanceof java.util.concurrent.CompletionException || cur instanceof java.util.concurrent.ExecutionException)
                && cur.getCause() != null) {
            cur = cur.getCause();
        }
        if (cur instanceof java.util.concurrent.TimeoutException) {
            return "no answer in time";
        }
        return cur.getMessage() != null ? cur.getMessage() : cur.getClass().getSimpleName();
    }

    /** The report key of any throwable (unwrapping CompletionException and friends). */
    public static String codeOf(Throwable t) {
        Throwable cur = t;
        while (cur != null) {
            if (cur instanceof BenchFailure f) {
                return f.code;
            }
            if (cur instanceof java.util.concurrent.TimeoutException
                    || cur instanceof io.netty.channel.ConnectTimeoutException) {
                return "timeout";
            }
            if (cur instanceof io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException) {
                return "handshake";
            }
            if (cur.getCause() == null || cur.getCause() == cur) {
                break;
            }
            cur = cur.getCause();
        }
        return cur instanceof java.io.IOException ? "io" : cur == null ? "unknown" : cur.getClass().getSimpleName();
    }
}
