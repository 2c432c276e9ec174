package dev.hubbub.core.presence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock tests move by hand. */
final class TestClock extends Clock {
    private volatile long millis;

    TestClock(long startMillis) { this.millis = startMillis; }

    void advance(Duration by) { millis += by.toMillis(); }

    @Override
    public long millis() { return millis; }

    @Override
    public Instant instant() { return Instant.ofEpochMilli(millis); }

    @Override
    public ZoneId getZone() { return ZoneOffset.UTC; }

    @Override
    public Clock withZone(ZoneId zone) { return this; }
}
