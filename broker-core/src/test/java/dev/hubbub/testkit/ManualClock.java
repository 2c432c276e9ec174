package dev.hubbub.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock tests move by hand ({@link #set}, {@link #advance}), so expiry and time windows are tested
 * without waiting. Thread-safe: the broker's threads may read it while the test moves it. It never
 * moves by itself; pair it with {@link ManualTimers} for timers that run when it is advanced.
 */
public final class ManualClock extends Clock {
    private final AtomicLong millis;
    private final ZoneId zone;

    /** Starts at {@code startMillis} (epoch ms), in UTC. */
    public ManualClock(long startMillis) { this(new AtomicLong(startMillis), ZoneOffset.UTC); }

    private ManualClock(AtomicLong millis, ZoneId zone) {
        this.millis = millis;
        this.zone = zone;
    }

    /** Starts at the real current time, so tokens and TokenRequest timestamps stay plausible to real clients. */
    public static ManualClock startingNow() { return new ManualClock(System.currentTimeMillis()); }

    /** Moves the clock forward (or back, for a negative duration). */
    public void advance(Duration by) { millis.addAndGet(by.toMillis()); }

    /** Sets the time, in epoch ms. */
    public void set(long newMillis) { millis.set(newMillis); }

    @Override
    public long millis() { return millis.get(); }

    @Override
    public Instant instant() { return Instant.ofEpochMilli(millis.get()); }

    @Override
    public ZoneId getZone() { return zone; }

    /** The same hand-driven time seen in another zone: moving either moves both. */
    @Override
    public Clock withZone(ZoneId newZone) {
        return Objects.equals(zone, newZone) ? this : new ManualClock(millis, Objects.requireNonNull(newZone));
    }

    @Override
    public String toString() { return "ManualClock[" + instant() + "]"; }
}
