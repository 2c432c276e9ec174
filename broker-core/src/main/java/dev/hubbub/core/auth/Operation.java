package dev.hubbub.core.auth;

import java.util.HashMap;
import java.util.Map;

/**
 * An operation a capability can grant on a channel, with its name in Ably's capability JSON.
 * {@link #ALL} ({@code "*"}) grants every operation.
 */
public enum Operation {
    ALL("*"),
    SUBSCRIBE("subscribe"),
    PUBLISH("publish"),
    PRESENCE("presence"),
    HISTORY("history"),
    STATS("stats"),
    CHANNEL_METADATA("channel-metadata"),
    PUSH_SUBSCRIBE("push-subscribe"),
    PUSH_ADMIN("push-admin"),
    PRIVILEGED_HEADERS("privileged-headers"),
    OBJECT_SUBSCRIBE("object-subscribe"),
    OBJECT_PUBLISH("object-publish"),
    ANNOTATION_SUBSCRIBE("annotation-subscribe"),
    ANNOTATION_PUBLISH("annotation-publish"),
    MESSAGE_UPDATE_OWN("message-update-own"),
    MESSAGE_UPDATE_ANY("message-update-any"),
    MESSAGE_DELETE_OWN("message-delete-own"),
    MESSAGE_DELETE_ANY("message-delete-any");

    private static final Map<String, Operation> BY_NAME = new HashMap<>();

    static {
        for (Operation op : values()) {
            BY_NAME.put(op.wireName, op);
        }
    }

    private final String wireName;

    Operation(String wireName) { this.wireName = wireName; }

    /** The name in capability JSON, e.g. {@code "publish"}. */
    public String wireName() { return wireName; }

    /** The operation named {@code name} in capability JSON, or null when there is none. */
    public static Operation fromWireName(String name) { return BY_NAME.get(name); }

    @Override
    public String toString() { return wireName; }
}
