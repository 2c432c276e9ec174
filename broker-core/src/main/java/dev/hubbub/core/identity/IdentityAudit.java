package dev.hubbub.core.identity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.channel.ChannelBus;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.log.LogText;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.session.ConnectionIds;
import dev.hubbub.core.limits.LimitBites;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each app's audit stream of identity decisions: every {@link AuditEvent} becomes one message on the
 * app's {@value ChannelNames#IDENTITY_AUDIT} channel, named by its kind, with a JSON object as data.
 * The messages go through the {@link ChannelBus} like any other (ordered, kept for history and
 * rewind, across a cluster), written by the broker alone: no clientId, no connectionId.
 *
 * <p>Per app, at most {@code maxPerSecond} events a second are written; the ones past it are
 * counted, and once that second is over one {@code suppressed} event says how many were left out.
 * {@code maxPerSecond} 0 turns the stream off. In a cluster each node keeps its own count.
 *
 * <p>Thread-safe: {@link #record} may be called on any thread and only counts and hands the
 * writing to the timer thread, so a refusal on an I/O thread never waits for the bus.
 */
public final class IdentityAudit {
    private static final Logger log = LoggerFactory.getLogger(IdentityAudit.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final int DEFAULT_MAX_EVENTS_PER_SECOND = 20;
    /** Characters of a client-chosen channel name kept in an event (it may be up to 2048). */
    static final int CHANNEL_BUDGET = 256;

    /** The counts of one app's current second. */
    private static final class Window {
        long second = Long.MIN_VALUE;
        int written;
        int suppressed;
    }

    /** No stream: every event is dropped. */
    public static final IdentityAudit OFF = new IdentityAudit(new ChannelBus() {
        @Override
        public void publish(Publication publication, java.util.function.Consumer<dev.hubbub.core.protocol.Outcome<
                dev.hubbub.core.protocol.PublishResult>> done) {
            throw new IllegalStateException("the audit stream is off");
        }

        @Override
        public void open(ChannelKey key, Runnable live, java.util.function.Consumer<dev.hubbub.core.protocol.ErrorInfo> failed) {
            throw new IllegalStateException("the audit stream is off");
        }
    }, Clock.systemUTC(), (task, delay) -> () -> { }, 0, n -> { });

    private final ChannelBus bus;
    private final Clock clock;
    private final PresenceTimers timers;
    private final int maxPerSecond;
    private final IntConsumer suppressedMetric;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    /** The remote address of each open connection, for events raised where only its id is known. */
    private final Map<String, String> addresses = new ConcurrentHashMap<>();

    /**
     * @param timers           where events are written from (delay 0), and the end of a second with
     *                         suppressed events is waited for
     * @param suppressedMetric counts the events left out
     */
    public IdentityAudit(ChannelBus bus, Clock clock, PresenceTimers timers, int maxPerSecond, IntConsumer suppressedMetric) {
        if (maxPerSecond < 0) {
            throw new IllegalArgumentException("maxPerSecond must be >= 0");
        }
        this.bus = Objects.requireNonNull(bus);
        this.clock = Objects.requireNonNull(clock);
        this.timers = Objects.requireNonNull(timers);
        this.maxPerSecond = maxPerSecond;
        this.suppressedMetric = Objects.requireNonNull(suppressedMetric);
    }

    /** The events a second each app's stream carries at most (0: off). */
    public int maxPerSecond() { return maxPerSecond; }

    /** The clock events are timed by. */
    public long now() { return clock.millis(); }

    /** A connection opened from {@code remoteAddress} (null: unknown): events about it say where it is from. */
    public void connected(String connectionId, String remoteAddress) {
        if (maxPerSecond > 0 && remoteAddress != null) {
            addresses.put(connectionId, remoteAddress);
        }
    }

    /** The connection ended (and no other transport took it over). */
    public void disconnected(String connectionId) { addresses.remove(connectionId); }

    /**
     * A limit per clientId bit ({@link LimitBites}' listener): recorded, except the refusals of a
     * publish rate after the first of their run (they are counted there, not audited one by one).
     */
    public void limitBitten(LimitBites.Bite bite) {
        if (bite.action() != LimitBites.Action.REFUSED_PUBLISH || bite.opensRun()) {
            record(AuditEvent.clientIdLimit(bite, clock.millis()));
        }
    }

    /** Records a decision: written soon, or counted among the suppressed. */
    public void record(AuditEvent event) {
        if (maxPerSecond == 0) {
            return;
        }
        if (event.remoteAddress() == null && event.connectionId() != null) {
            String address = addresses.get(event.connectionId());
            if (address != null) {
                event = event.connection(event.connectionId(), address);
            }
        }
        long now = clock.millis();
        Window w = windows.computeIfAbsent(event.appId(), app -> new Window());
        boolean write;
        boolean firstSuppressed = false;
        synchronized (w) {
            long second = Math.floorDiv(now, 1000);
            if (second != w.second) {
                w.second = second;
                w.written = 0;
            }
            write = w.written < maxPerSecond;
            if (write) {
                w.written++;
            } else {
                firstSuppressed = w.suppressed++ == 0;
            }
        }
        if (write) {
            AuditEvent e = event;
            timers.schedule(() -> write(e), 0);
        } else {
            suppressedMetric.accept(1);
            if (firstSuppressed) {
                String app = event.appId();
                timers.schedule(() -> flushSuppressed(app, w), 1000 - Math.floorMod(now, 1000));
            }
        }
    }

    /** The second in which events were left out is over: one event says how many. */
    private void flushSuppressed(String appId, Window w) {
        int n;
        synchronized (w) {
            n = w.suppressed;
            w.suppressed = 0;
        }
        if (n > 0) {
            write(new AuditEvent(AuditEvent.Kind.SUPPRESSED, appId, clock.millis(), null, null, null, null, null, null, null,
                    n, null));
        }
    }

    private void write(AuditEvent e) {
        Message m = new Message(null, null, null, null, e.kind().wireName(), data(e), "json", null, null, null, null);
        ChannelKey key = new ChannelKey(e.appId(), ChannelNames.IDENTITY_AUDIT);
        String idBase = "hubbub-audit-" + ConnectionIds.random(10);
        long now = clock.millis();
        List<Message> stamped = List.of(m.stamped(idBase + ":0", null, now, null));
        bus.publish(new ChannelBus.Publication(key, null, idBase, now, stamped, Set.of()), outcome -> {
            if (!outcome.isOk()) {
                log.warn("identity audit event not written: app={} kind={} code={}", e.appId(), e.kind().wireName(),
                        outcome.error().code());
            }
        });
    }

    /** The event's data: every field, null where unknown; the client's own text escaped and cut. */
    static String data(AuditEvent e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("time", e.time());
        o.put("code", e.code());
        o.put("connectionId", e.connectionId());
        o.put("keyName", e.keyName());
        o.put("clientId", e.clientId() == null ? null : LogText.untrusted(e.clientId()));
        o.put("claimedClientId", e.claimedClientId() == null ? null : LogText.untrusted(e.claimedClientId()));
        o.put("channel", e.channel() == null ? null : LogText.untrusted(e.channel(), CHANNEL_BUDGET));
        o.put("remoteAddress", e.remoteAddress());
        if (e.count() != null) {
            o.put("count", e.count());
        }
        if (e.detail() != null) {
            o.put("detail", e.detail());
        }
        return o.toString();
    }
}
