package dev.hubbub.transport.codec;

/** The two wire formats; the index keys a fan-out's per-format encodings ({@code ws.NettyFanOut}). */
public enum WireFormat {
    JSON(0, "application/json"),
    MSGPACK(1, "application/x-msgpack");

    private final int index;
    private final String contentType;

    WireFormat(int index, String contentType) {
        this.index = index;
        this.contentType = contentType;
    }

    public int index() { return index; }

    public String contentType() { return contentType; }

    public boolean isBinary() { return this == MSGPACK; }

    /** The realtime {@code format} parameter: absent means JSON; null for an unknown value. */
    public static WireFormat fromParam(String format) {
        if (format == null || format.equals("json")) {
            return JSON;
        }
        return format.equals("msgpack") ? MSGPACK : null;
    }
}
