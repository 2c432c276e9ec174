package dev.hubbub.core.limits;

import dev.hubbub.core.log.LogText;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a per-clientId limit reports that it bit: the metric {@code broker.clientid.limited}
 * (tagged {@code limit=connections|rate}), one log line per bite (for the rate, one per run of
 * refusals, the refused messages counted), and a {@link Listener} an audit trail may attach.
 * Thread-safe.
 */
public final class LimitBites {
    private static final Logger log = LoggerFactory.getLogger(LimitBites.class);

    /** Which limit bit. */
    public enum Limit { CONNECTIONS, RATE }

    /** What a limit did. */
    public enum Action {
        /** A new connection was refused. */
        REFUSED_CONNECTION,
        /** The oldest connection was ended to make room for a new one. */
        CLOSED_OLDEST,
        /** A publish was NACKed (or answered 429 on REST). */
        REFUSED_PUBLISH
    }

    /**
     * One bite.
     *
     * @param who       the correlation key of the connection (or REST request) concerned: the one
     *                  refused, or the one closed
     * @param count     connections (1) or messages refused
     * @param opensRun  for the rate: the first refusal after the person was within the rate (the one logged)
     */
    public record Bite(Limit limit, Action action, String appId, String clientId, String who, int count, int max,
                       boolean opensRun) {}

    /** Told of every bite, on the thread where it happened: be quick. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = b -> { };

        void bitten(Bite bite);
    }

    private final Counter connections;
    private final Counter rate;
    private volatile Listener listener = Listener.NONE;

    public LimitBites(MeterRegistry registry) {
        Objects.requireNonNull(registry);
        connections = Counter.builder("broker.clientid.limited").tag("limit", "connections")
                .description("Connections refused or closed, and messages refused, by a per-clientId limit").register(registry);
        rate = Counter.builder("broker.clientid.limited").tag("limit", "rate")
                .description("Connections refused or closed, and messages refused, by a per-clientId limit").register(registry);
    }

    /** Attaches the one listener (an audit trail); {@link Listener#NONE} detaches it. */
    public void listen(Listener l) { this.listener = Objects.requireNonNull(l); }

    public void bitten(Bite b) {
        (b.limit() == Limit.CONNECTIONS ? connections : rate).increment(b.count());
        if (b.limit() == Limit.CONNECTIONS || b.opensRun()) {
            log.info("{} clientId {} of app {}: {} (limit {} {})", b.who(), LogText.untrusted(b.clientId()),
                    LogText.untrusted(b.appId()), b.action().name().toLowerCase(java.util.Locale.ROOT),
                    b.max(), b.limit() == Limit.CONNECTIONS ? "connections" : "messages per second");
        }
        try {
            listener.bitten(b);
        } catch (RuntimeException e) {
            log.warn("limit listener failed: {}", e.toString());
        }
    }
}
