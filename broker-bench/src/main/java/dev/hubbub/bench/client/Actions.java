package dev.hubbub.bench.client;

/** ProtocolMessage action numbers and flag bits the bench uses (Ably protocol v6). */
public final class Actions {
    public static final int HEARTBEAT = 0;
    public static final int ACK = 1;
    public static final int NACK = 2;
    public static final int CONNECTED = 4;
    public static final int DISCONNECTED = 6;
    public static final int CLOSE = 7;
    public static final int CLOSED = 8;
    public static final int ERROR = 9;
    public static final int ATTACH = 10;
    public static final int ATTACHED = 11;
    public static final int DETACHED = 13;
    public static final int PRESENCE = 14;
    public static final int MESSAGE = 15;
    public static final int SYNC = 16;

    /** Presence actions. */
    public static final int PRESENT = 1;
    public static final int ENTER = 2;
    public static final int LEAVE = 3;
    public static final int UPDATE = 4;

    /** ATTACHED flag: a presence SYNC follows. */
    public static final long HAS_PRESENCE = 1L;
    /** ATTACHED flag: continuity from the ATTACH's channelSerial was kept (RTL2f). */
    public static final long RESUMED = 1L << 2;
    /** Channel modes (ATTACH / ATTACHED flags). */
    public static final long MODE_PRESENCE = 1L << 16;
    public static final long MODE_PUBLISH = 1L << 17;
    public static final long MODE_SUBSCRIBE = 1L << 18;
    public static final long MODE_PRESENCE_SUBSCRIBE = 1L << 19;

    private Actions() {
    }
}
