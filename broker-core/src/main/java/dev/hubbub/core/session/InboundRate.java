package dev.hubbub.core.session;

import java.time.Clock;

/**
 * One connection's inbound rate limit: a token bucket of messages. Every message of a MESSAGE frame
 * and every item of a PRESENCE frame takes a token (Ably counts messages, not frames); the bucket
 * holds one second's worth ({@code rate}) and refills at {@code rate} per second. A frame is
 * admitted whole or refused whole: admitted when the bucket holds its count, or is full (a batch
 * larger than one second's worth then leaves the bucket in debt, so the average stays bounded).
 *
 * <p>Sustained abuse: refusals that follow each other within a second form one run; a run that has
 * lasted {@code disconnectAfterMillis} asks for the connection to end. A client that backs off when
 * NACKed never gets there.
 *
 * <p>Confined to the connection's own thread.
 */
final class InboundRate {
    /** What a frame gets. */
    enum Verdict { ADMIT, REFUSE, DISCONNECT }

    /** Refusals further apart than this are separate runs. */
    static final long RUN_GAP_MILLIS = 1_000;

    private final Clock clock;
    private final long disconnectAfterMillis;
    private double rate;
    private double tokens;
    private long refilledAt;
    private long runSince = -1;
    private long lastRefused;

    /**
     * @param perSecond             messages per second, and the bucket's size
     * @param disconnectAfterMillis how long a run of refusals may last before {@link Verdict#DISCONNECT}; 0: never
     */
    InboundRate(Clock clock, int perSecond, long disconnectAfterMillis) {
        this.clock = clock;
        this.disconnectAfterMillis = disconnectAfterMillis;
        this.rate = perSecond;
        this.tokens = perSecond;
        this.refilledAt = clock.millis();
    }

    int perSecond() { return (int) rate; }

    /** A new rate (new credentials of another key); what the bucket holds is kept, within the new size. */
    void perSecond(int perSecond) {
        rate = perSecond;
        tokens = Math.min(tokens, rate);
    }

    /** Takes {@code count} messages' worth, or says why not. */
    Verdict take(int count) {
        long now = clock.millis();
        long elapsed = now - refilledAt;
        refilledAt = now; // a clock that stepped back refills nothing, and goes on from there
        if (elapsed > 0) {
            tokens = Math.min(rate, tokens + elapsed * rate / 1000.0);
        }
        if (tokens >= Math.min(count, rate)) {
            tokens -= count;
            return Verdict.ADMIT;
        }
        if (runSince < 0 || now - lastRefused > RUN_GAP_MILLIS) {
            runSince = now;
        }
        lastRefused = now;
        return disconnectAfterMillis > 0 && now - runSince >= disconnectAfterMillis ? Verdict.DISCONNECT : Verdict.REFUSE;
    }
}
