package dev.hubbub.core.protocol;

/**
 * The closed vocabulary of errors this broker reports. Each constant carries Ably's error code,
 * the HTTP status that goes with it and a default message. Every rejection in the code base names
 * one of these; the message may be specialised with {@link #info(String)}.
 */
public enum ErrorCode {
    BAD_REQUEST(40000, 400, "Bad request"),
    INVALID_BODY(40001, 400, "Invalid request body"),
    INVALID_PARAMETER(40003, 400, "Invalid parameter value"),
    INVALID_CREDENTIAL(40005, 400, "Invalid credential in request"),
    MESSAGE_TOO_LARGE(40009, 413, "Maximum message length exceeded"),
    INVALID_CHANNEL_NAME(40010, 400, "Invalid channel name"),
    INVALID_CLIENT_ID(40012, 400, "Malformed message; invalid clientId"),
    INVALID_DATA(40013, 400, "Invalid message data or encoding"),
    UNSUPPORTED_PROTOCOL_VERSION(40017, 400, "Unsupported protocol version"),
    UNAUTHORIZED(40100, 401, "Unauthorized"),
    AUTHENTICATION_FAILED(40101, 401, "Authentication failed"),
    INCOMPATIBLE_CREDENTIALS(40102, 401, "Invalid clientId for credentials"),
    /** An API key (Basic auth) on a connection that is not TLS, where the broker is set to refuse that. */
    /**
     * A connection refused because its clientId already holds the most connections its app allows
     * ({@code maxConnectionsPerClientId}, {@code onConnectionLimit: refuse}): Ably's "connection
     * limits exceeded", sent as ERROR, so the SDK goes FAILED rather than retrying into the limit.
     */
    CONNECTION_LIMIT_REACHED(40111, 401, "Connection limits exceeded"),
    /**
     * The oldest connection of a clientId, ended to make room for a newer one
     * ({@code onConnectionLimit: closeOldest}): Ably's "connection blocked (limits exceeded)", sent as
     * ERROR (FAILED in the SDK: it must not reconnect and push out the newer one in turn).
     */
    CONNECTION_REPLACED(40150, 401, "Connection blocked (limits exceeded)"),
    BASIC_AUTH_WITHOUT_TLS(40103, 401, "Invalid use of Basic auth over non-TLS transport"),
    TIMESTAMP_NOT_CURRENT(40104, 401, "Timestamp not current"),
    NONCE_REPLAYED(40105, 401, "Nonce value replayed"),
    TOKEN_ERROR(40140, 401, "Token not accepted"),
    TOKEN_REVOKED(40141, 401, "Token revoked"),
    TOKEN_EXPIRED(40142, 401, "Token expired"),
    TOKEN_UNRECOGNISED(40143, 401, "Token unrecognised"),
    INVALID_JWT(40144, 401, "Invalid JWT"),
    INVALID_TOKEN(40145, 401, "Invalid token"),
    CAPABILITY_DENIED(40160, 401, "Operation not permitted with provided capability"),
    IDENTIFIED_CLIENT_REQUIRED(40161, 401, "Operation requires an identified client"),
    BASIC_AUTH_REQUIRED(40162, 401, "Operation requires basic authentication"),
    MODE_NOT_REQUESTED(40165, 401, "Channel mode not requested at attach"),
    FORBIDDEN(40300, 403, "Forbidden"),
    NOT_FOUND(40400, 404, "Not found"),
    METHOD_NOT_ALLOWED(40500, 405, "Method not allowed"),
    /**
     * A request whose body did not arrive in full within {@code server.requestBodyTimeout}. Not one
     * of Ably's codes (Ably has none for this): hubbub's, numbered like Ably's (HTTP status x 100),
     * and a 4xx on purpose: SDKs retry 5xx answers on fallback hosts, and a client too slow to send
     * its body gains nothing from that.
     */
    REQUEST_TIMEOUT(40800, 408, "Request body not received in time"),
    /** A request line (method, URI, version) over the listener's limit. hubbub's code, numbered like Ably's. */
    URI_TOO_LONG(41400, 414, "Request URI too long"),
    /** Request headers over the listener's limit. hubbub's code, numbered like Ably's. */
    HEADERS_TOO_LARGE(43100, 431, "Request header fields too large"),
    RATE_LIMITED(42910, 429, "Rate limit exceeded"),
    /** A publish (or presence change) over the connection's maxInboundRate: NACKed, the connection stays. */
    INBOUND_RATE_EXCEEDED(42911, 429, "Maximum per-connection publish rate exceeded; unable to publish message"),
    /** A connection that kept publishing over its maxInboundRate: disconnected. */
    INBOUND_RATE_EXCEEDED_FATAL(42921, 429, "Maximum per-connection publish rate exceeded; closing connection"),
    /**
     * A connection attempt over the per-address rate ({@code limits.connectionRatePerAddress}):
     * its first request is answered HTTP 429 and the connection closed; SDKs retry with backoff.
     */
    TOO_MANY_REQUESTS(42922, 429, "Too many requests"),
    INTERNAL(50000, 500, "Internal error"),
    /** The cluster's shared storage (Redis) cannot be reached: nothing was taken. */
    CLUSTER_UNREACHABLE(50002, 500, "Internal connection error"),
    /** The cluster's shared storage did not answer in time: the outcome is unknown, retry with the same id. */
    TIMEOUT(50003, 504, "Timeout error"),
    CONNECTION_DISCONNECTED(80003, 400, "Connection disconnected"),
    CONNECTION_NOT_RECOVERED(80008, 400, "Unable to recover connection"),
    CONNECTION_RESUME_REFUSED(80011, 400, "Unable to resume connection: incompatible credentials"),
    PROTOCOL_ERROR(80013, 400, "Protocol error"),
    CONNECTION_CLOSED(80017, 400, "Connection closed"),
    INVALID_CONNECTION_KEY(80018, 400, "Invalid connection key"),
    SLOW_CONSUMER(80020, 400, "Client cannot keep up with the rate of messages"),
    CHANNEL_NOT_ATTACHED(90001, 404, "Channel not attached"),
    CHANNEL_NOT_RECOVERED(90003, 404, "Unable to recover channel (messages expired)"),
    TOO_MANY_CHANNELS(90010, 400, "Maximum number of channels per connection exceeded"),
    PRESENCE_NO_CLIENT_ID(91000, 400, "Unable to enter presence channel (no clientId)"),
    TOO_MANY_PRESENCE_MEMBERS(91003, 400, "Maximum number of presence members exceeded");

    private final int code;
    private final int statusCode;
    private final String defaultMessage;

    ErrorCode(int code, int statusCode, String defaultMessage) {
        this.code = code;
        this.statusCode = statusCode;
        this.defaultMessage = defaultMessage;
    }

    public int code() { return code; }

    public int statusCode() { return statusCode; }

    public String defaultMessage() { return defaultMessage; }

    public ErrorInfo info() { return new ErrorInfo(defaultMessage, code, statusCode); }

    public ErrorInfo info(String message) { return new ErrorInfo(message, code, statusCode); }

    /** True for the 4014x family: token problems a client can fix by renewing its token. */
    public static boolean isTokenError(int code) { return code >= 40140 && code < 40150; }
}
