package dev.hubbub.transport;

/**
 * What the listener enforces before a request reaches the broker's routes.
 *
 * @param maxTokenRequestBytes     body cap of {@code POST /keys/{keyName}/requestToken}, the one route that reads a
 *                                 body from a client with no credentials in its headers (a signed TokenRequest, a
 *                                 few hundred bytes); past it 413 with 40009
 * @param requestBodyTimeoutMillis from the head of a request with a body, how long its whole body may take to
 *                                 arrive; past it 408 with 40800 and the connection closed
 * @param connectionRate           connection attempts per remote address; past it 429 with 42922
 * @param memoryPressure           when the node's network buffers are short of memory, and what a connection may
 *                                 then have unsent ({@link MemoryPressure})
 */
public record ListenerLimits(int maxTokenRequestBytes, long requestBodyTimeoutMillis, ConnectionRate connectionRate,
                             MemoryPressure memoryPressure) {
    public static final int DEFAULT_MAX_TOKEN_REQUEST_BYTES = 8 * 1024;
    public static final long DEFAULT_REQUEST_BODY_TIMEOUT_MILLIS = 10_000;

    public ListenerLimits {
        if (maxTokenRequestBytes < 1) {
            throw new IllegalArgumentException("maxTokenRequestBytes must be positive");
        }
        if (requestBodyTimeoutMillis < 1) {
            throw new IllegalArgumentException("requestBodyTimeoutMillis must be positive");
        }
        java.util.Objects.requireNonNull(connectionRate);
        java.util.Objects.requireNonNull(memoryPressure);
    }

    /** With the default memory pressure marks. */
    public ListenerLimits(int maxTokenRequestBytes, long requestBodyTimeoutMillis, ConnectionRate connectionRate) {
        this(maxTokenRequestBytes, requestBodyTimeoutMillis, connectionRate, MemoryPressure.defaults());
    }

    public static ListenerLimits defaults() {
        return new ListenerLimits(DEFAULT_MAX_TOKEN_REQUEST_BYTES, DEFAULT_REQUEST_BODY_TIMEOUT_MILLIS, ConnectionRate.DEFAULTS);
    }

    public ListenerLimits withConnectionRate(ConnectionRate rate) {
        return new ListenerLimits(maxTokenRequestBytes, requestBodyTimeoutMillis, rate, memoryPressure);
    }

    public ListenerLimits withMemoryPressure(MemoryPressure pressure) {
        return new ListenerLimits(maxTokenRequestBytes, requestBodyTimeoutMillis, connectionRate, pressure);
    }
}
