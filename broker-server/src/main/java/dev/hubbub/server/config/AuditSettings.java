package dev.hubbub.server.config;

import dev.hubbub.core.identity.IdentityAudit;

/**
 * The {@code audit} section: each app's {@code [meta]identity} stream of identity decisions
 * ({@link IdentityAudit}).
 *
 * <pre>
 * audit:
 *   maxEventsPerSecond: 20   # per app and node; past it, one "suppressed" event a second; 0 turns the stream off
 * </pre>
 *
 * @param maxEventsPerSecond events each app's stream carries at most a second (on each node), 0 for none
 */
public record AuditSettings(int maxEventsPerSecond) {
    /** Most a setting may ask for: the stream is for people and alerting, not a copy of the traffic. */
    public static final int MAX_EVENTS_PER_SECOND = 1000;
    public static final AuditSettings DEFAULTS = new AuditSettings(IdentityAudit.DEFAULT_MAX_EVENTS_PER_SECOND);

    public AuditSettings {
        if (maxEventsPerSecond < 0 || maxEventsPerSecond > MAX_EVENTS_PER_SECOND) {
            throw new IllegalArgumentException("maxEventsPerSecond must be 0.." + MAX_EVENTS_PER_SECOND);
        }
    }

    /** The section as written. */
    record Shape(Integer maxEventsPerSecond) {}

    static AuditSettings parse(String fileName, String text, Shape s) throws ConfigException {
        if (s == null || s.maxEventsPerSecond() == null) {
            return DEFAULTS;
        }
        int n = s.maxEventsPerSecond();
        ConfigLoader.check(fileName, text, "audit", "maxEventsPerSecond", n >= 0 && n <= MAX_EVENTS_PER_SECOND,
                "must be 0 (off) to " + MAX_EVENTS_PER_SECOND + ", was " + n);
        return new AuditSettings(n);
    }
}
