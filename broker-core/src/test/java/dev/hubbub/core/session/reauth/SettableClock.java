package dev.hubbub.core.session.reauth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock the test moves by hand; shared by the token authority, the authenticator and the broker. */
final class SettableClock extends Clock {
    private final AtomicLong millis;

    SettableClock(long startMillis) { this.millis = new AtomicLong(startMillis); }

    void advance(Duration by) { millis.addAndGet(by.toMillis()); }

    @Override
    public long millis() { return millis.get(); }

    @Override
    public Instant instant() { return Instant.ofEpochMilli(millis.get()); }

    @Override
    public ZoneId getZone() { return ZoneOffset.UTC; }

    @Override
    public Clock withZone(ZoneId zone) { throw new UnsupportedOperationException("fixed to UTC"); }
}
