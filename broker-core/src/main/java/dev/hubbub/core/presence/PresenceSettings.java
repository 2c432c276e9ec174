package dev.hubbub.core.presence;

/**
 * Presence timings and SYNC page bounds.
 *
 * @param defaultGraceMillis how long members of a connection that dropped without CLOSE stay present
 * @param minGraceMillis     lower bound for a client's {@code remainPresentFor}
 * @param maxGraceMillis     upper bound for a client's {@code remainPresentFor}
 * @param syncPageMembers    most members in one SYNC page
 * @param syncPageBytes      rough byte budget of one SYNC page (a single larger member still gets a page)
 */
public record PresenceSettings(long defaultGraceMillis, long minGraceMillis, long maxGraceMillis, int syncPageMembers,
                               int syncPageBytes) {
    public PresenceSettings {
        if (minGraceMillis < 0 || minGraceMillis > maxGraceMillis || defaultGraceMillis < minGraceMillis
                || defaultGraceMillis > maxGraceMillis) {
            throw new IllegalArgumentException("grace bounds must satisfy 0 <= min <= default <= max");
        }
        if (syncPageMembers < 1 || syncPageBytes < 1) {
            throw new IllegalArgumentException("SYNC pages must hold at least one member");
        }
    }

    /** 15 s grace (Ably's default), {@code remainPresentFor} within 1 s .. 60 s, pages of 250 members or ~64 KiB. */
    public static PresenceSettings defaults() { return new PresenceSettings(15_000, 1_000, 60_000, 250, 64 * 1024); }

    /** The grace period for a connection that asked for {@code requested} ms (null: the default), clamped. */
    public long graceFor(Long requested) {
        if (requested == null) {
            return defaultGraceMillis;
        }
        return Math.max(minGraceMillis, Math.min(maxGraceMillis, requested));
    }
}
