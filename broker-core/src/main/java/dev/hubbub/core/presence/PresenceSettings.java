package dev.hubbub.core.presence;

/**
 * Presence timings, SYNC page bounds and member caps.
 *
 * @param defaultGraceMillis       how long members of a connection that dropped without CLOSE stay present
 * @param minGraceMillis           lower bound for a client's {@code remainPresentFor}
 * @param maxGraceMillis           upper bound for a client's {@code remainPresentFor}
 * @param syncPageMembers          most members in one SYNC page
 * @param syncPageBytes            rough byte budget of one SYNC page (a single larger member still gets a page)
 * @param maxMembersPerChannel     most members one channel's set may hold; an enter past it is refused (91003)
 * @param maxMembersPerConnection  most members one connection may have, all channels together (91003 past it)
 */
public record PresenceSettings(long defaultGraceMillis, long minGraceMillis, long maxGraceMillis, int syncPageMembers,
                               int syncPageBytes, int maxMembersPerChannel, int maxMembersPerConnection) {
    public static final int DEFAULT_MAX_MEMBERS_PER_CHANNEL = 20_000;
    public static final int DEFAULT_MAX_MEMBERS_PER_CONNECTION = 1_000;

    public PresenceSettings {
        if (minGraceMillis < 0 || minGraceMillis > maxGraceMillis || defaultGraceMillis < minGraceMillis
                || defaultGraceMillis > maxGraceMillis) {
            throw new IllegalArgumentException("grace bounds must satisfy 0 <= min <= default <= max");
        }
        if (syncPageMembers < 1 || syncPageBytes < 1) {
            throw new IllegalArgumentException("SYNC pages must hold at least one member");
        }
        if (maxMembersPerChannel < 1 || maxMembersPerConnection < 1) {
            throw new IllegalArgumentException("member caps must be at least 1");
        }
    }

    /** With the default member caps. */
    public PresenceSettings(long defaultGraceMillis, long minGraceMillis, long maxGraceMillis, int syncPageMembers,
                            int syncPageBytes) {
        this(defaultGraceMillis, minGraceMillis, maxGraceMillis, syncPageMembers, syncPageBytes,
                DEFAULT_MAX_MEMBERS_PER_CHANNEL, DEFAULT_MAX_MEMBERS_PER_CONNECTION);
    }

    /**
     * 15 s grace (Ably's default), {@code remainPresentFor} within 1 s .. 60 s, pages of 250 members or ~64 KiB, at most
     * 20,000 members per channel and 1,000 per connection.
     */
    public static PresenceSettings defaults() { return new PresenceSettings(15_000, 1_000, 60_000, 250, 64 * 1024); }

    /** The same settings with other member caps. */
    public PresenceSettings withMemberCaps(int perChannel, int perConnection) {
        return new PresenceSettings(defaultGraceMillis, minGraceMillis, maxGraceMillis, syncPageMembers, syncPageBytes,
                perChannel, perConnection);
    }

    /** The grace period for a connection that asked for {@code requested} ms (null: the default), clamped. */
    public long graceFor(Long requested) {
        if (requested == null) {
            return defaultGraceMillis;
        }
        return Math.max(minGraceMillis, Math.min(maxGraceMillis, requested));
    }
}
