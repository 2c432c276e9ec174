package dev.hubbub.transport.ws;

/** Names of the handlers in a connection's pipeline, in pipeline order. */
public final class PipelineNames {
    /** On a TLS listener: tells TLS from plaintext, then becomes {@link #TLS}. */
    public static final String TLS_ONLY = "tlsOnly";
    public static final String TLS = "tls";
    public static final String HTTP_IDLE = "httpIdle";
    public static final String HTTP_CODEC = "httpCodec";
    /** Admits a request's body from its head (credentials, size) and holds it to a deadline. */
    public static final String HTTP_GATE = "httpGate";
    public static final String HTTP_AGGREGATOR = "httpAggregator";
    public static final String HTTP_ENTRY = "httpEntry";
    public static final String WS_AGGREGATOR = "wsAggregator";
    public static final String REALTIME = "realtime";
    /** Instead of REALTIME after a refused upgrade: answers the client's close. */
    public static final String REFUSED = "refused";
    /** Instead of HTTP_GATE and after: a connection over its address's connection rate, answered 429. */
    public static final String RATE_REFUSED = "rateRefused";
    /** On the admin listener, after HTTP_AGGREGATOR instead of HTTP_ENTRY: the probe routes. */
    public static final String ADMIN = "admin";

    private PipelineNames() {}
}
