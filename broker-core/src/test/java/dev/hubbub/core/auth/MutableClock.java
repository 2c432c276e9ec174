package dev.hubbub.core.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests move by hand, so expiry and time windows are tested without waiting. */
final class MutableClock extends Clock {
    private volatile long millis;

    MutableClock(long startMillis) { this.millis = startMillis; }

    void advance(Duration by) { millis += by.toMillis(); }

    void set(long newMillis) { millis = newMillis; }

    @Override
    public long millis() { return millis; }

    @Override
    public Instant instant() { return Instant.ofEpochMilli(millis); }

    @Override
    public ZoneId getZone() { return ZoneOffset.UTC; }

    @Override
    public Clock withZone(ZoneId zone) { return this; }
}
