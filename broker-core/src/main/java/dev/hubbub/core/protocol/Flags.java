package dev.hubbub.core.protocol;

/** ProtocolMessage flag bits (ATTACH / ATTACHED), including the channel mode bits. */
public final class Flags {
    public static final int HAS_PRESENCE = 1;
    public static final int HAS_BACKLOG = 1 << 1;
    public static final int RESUMED = 1 << 2;
    public static final int ATTACH_RESUME = 1 << 5;

    public static final int MODE_PRESENCE = 1 << 16;
    public static final int MODE_PUBLISH = 1 << 17;
    public static final int MODE_SUBSCRIBE = 1 << 18;
    public static final int MODE_PRESENCE_SUBSCRIBE = 1 << 19;
    public static final int MODE_ANNOTATION_PUBLISH = 1 << 21;
    public static final int MODE_ANNOTATION_SUBSCRIBE = 1 << 22;
    public static final int MODE_OBJECT_SUBSCRIBE = 1 << 24;
    public static final int MODE_OBJECT_PUBLISH = 1 << 25;

    public static final int ALL_MODES = MODE_PRESENCE | MODE_PUBLISH | MODE_SUBSCRIBE | MODE_PRESENCE_SUBSCRIBE
            | MODE_ANNOTATION_PUBLISH | MODE_ANNOTATION_SUBSCRIBE | MODE_OBJECT_SUBSCRIBE | MODE_OBJECT_PUBLISH;

    /** Modes a client gets when its ATTACH names none. */
    public static final int DEFAULT_MODES = MODE_PRESENCE | MODE_PUBLISH | MODE_SUBSCRIBE | MODE_PRESENCE_SUBSCRIBE
            | MODE_ANNOTATION_PUBLISH;

    private Flags() {}

    public static int modes(int flags) { return flags & ALL_MODES; }

    public static boolean has(int flags, int bit) { return (flags & bit) != 0; }
}
