package dev.hubbub.core.history;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.Message;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The embedded {@link MessageLog}: per channel, a queue of recent messages and their ids, under
 * {@link Retention}'s bounds. The messages are kept packed ({@link MessageRing}): a few arrays per
 * channel rather than objects per message, so minutes of history at a high rate cost the collector
 * next to nothing; a message costs its packed bytes plus {@link MessageRing#ENTRY_OVERHEAD} against
 * the byte bounds. Each channel's log has its own epoch, made when the log is, so a log
 * dropped after expiry (or a restarted broker) can never be mistaken for the one a client's serial
 * came from. The newest {@code minMessages} outlive the age limit only while the channel is in use:
 * once it is not pinned (a channel with subscribers is) and has been idle for the retention time,
 * {@link #sweep} expires its history by age alone and drops the log when nothing is left.
 *
 * <p>Threading: each channel's log is guarded by its own monitor, held only briefly and never
 * together with another's. Past the global byte bound, the oldest messages anywhere are evicted
 * until the total is a little under the bound ({@link #evictionSlack}: one pass over the channels
 * and a heap, paid only under memory pressure, by one thread at a time).
 */
public final class InMemoryMessageLog implements MessageLog {
    private final Clock clock;
    private final Retention retention;
    private final Predicate<ChannelKey> pinned;
    private final ConcurrentHashMap<ChannelKey, ChannelLog> logs = new ConcurrentHashMap<>();
    private final AtomicLong totalBytes = new AtomicLong();
    private final LongAdder evicted = new LongAdder();
    private final AtomicBoolean evicting = new AtomicBoolean();
    private final long keepPositionMillis;

    /** Ids remembered per channel at most: past it, the oldest are forgotten early. */
    static final int MAX_IDS_PER_CHANNEL = 100_000;

    /** @param pinned channels whose position must be kept even when idle (those with subscribers) */
    public InMemoryMessageLog(Clock clock, Retention retention, Predicate<ChannelKey> pinned) {
        this(clock, retention, pinned, 0);
    }

    /**
     * @param keepPositionMillis how long an idle, unpinned channel's position is kept at least: a
     *                           client that dropped may resume from it until its connection state
     *                           expires (connectionStateTtl and the sweep interval)
     */
    public InMemoryMessageLog(Clock clock, Retention retention, Predicate<ChannelKey> pinned, long keepPositionMillis) {
        this.clock = Objects.requireNonNull(clock);
        this.retention = Objects.requireNonNull(retention);
        this.pinned = Objects.requireNonNull(pinned);
        this.keepPositionMillis = keepPositionMillis;
    }

    /** One channel's log. Guarded by its own monitor. */
    private static final class ChannelLog {
        final String epoch = ChannelSerial.newEpoch();
        final MessageRing entries = new MessageRing();
        final Map<String, Long> ids = new HashMap<>();              // id -> when it may be forgotten
        final ArrayDeque<Map.Entry<String, Long>> idOrder = new ArrayDeque<>();
        long offset;           // the last position given
        long evictedThrough;   // every message at or below this offset may be gone
        long bytes;
        long lastTouched;
        boolean dropped;

        String serial(long at) { return ChannelSerial.wire(epoch, at); }
    }

    /**
     * Runs {@code write} on the channel's log under its monitor, making the log when needed; never
     * on one a sweep has dropped (that would write where nobody reads).
     */
    private <R> R write(ChannelKey key, Function<ChannelLog, R> write) {
        return write(key, null, write);
    }

    /** As {@link #write(ChannelKey, Function)}, trying {@code held} (a log the caller kept, or null) before the map. */
    private <R> R write(ChannelKey key, ChannelLog held, Function<ChannelLog, R> write) {
        for (ChannelLog log = held; ; log = null) {
            if (log == null) {
                log = logs.computeIfAbsent(key, k -> new ChannelLog());
            }
            synchronized (log) {
                if (!log.dropped) {
                    log.lastTouched = clock.millis();
                    return write.apply(log);
                }
            }
            logs.remove(key, log);
        }
    }

    @Override
    public String currentSerial(ChannelKey key) {
        return write(key, log -> log.serial(log.offset));
    }

    @Override
    public List<Message> append(ChannelKey key, List<Message> messages, Set<String> rememberIds) {
        return evictedAfter(write(key, log -> appendLocked(log, messages, rememberIds)));
    }

    /**
     * Keeps the channel's log and appends to it under its monitor; finds it by key again only when a
     * sweep has dropped it (the channel idle and unpinned: a live channel's log is pinned).
     */
    @Override
    public Appender appender(ChannelKey key) {
        return new Appender() {
            private volatile ChannelLog held;

            @Override
            public List<Message> append(List<Message> messages, Set<String> rememberIds) {
                return evictedAfter(write(key, held, found -> {
                    if (found != held) {
                        held = found;
                    }
                    return appendLocked(found, messages, rememberIds);
                }));
            }
        };
    }

    /** Evicts globally when an append took the total past its bound; returns what the append stored. */
    private List<Message> evictedAfter(List<Message> stored) {
        if (totalBytes.get() > retention.maxBytesTotal()) {
            evictGlobally();
        }
        return stored;
    }

    private List<Message> appendLocked(ChannelLog log, List<Message> messages, Set<String> rememberIds) {
        long now = clock.millis();
        List<Message> stored = new ArrayList<>(messages.size());
        {
            for (Message m : messages) {
                long offset = ++log.offset;
                Message withSerial = m.withSerial(log.serial(offset));
                int bytes = log.entries.add(offset, withSerial);
                log.bytes += bytes;
                totalBytes.addAndGet(bytes);
                if (m.id() != null && !rememberIds.isEmpty() && rememberIds.contains(m.id())) {
                    remember(log, m.id(), now + retention.dedupeWindowMillis());
                }
                stored.add(withSerial);
            }
            trim(log, now);
        }
        return stored;
    }

    @Override
    public String advance(ChannelKey key) {
        return write(key, log -> log.serial(++log.offset));
    }

    @Override
    public Replay after(ChannelKey key, String serial) {
        ChannelSerial from = ChannelSerial.parse(serial);
        if (from == null) {
            return Replay.LOST;
        }
        ChannelLog log = logs.get(key);
        if (log == null) {
            return Replay.LOST;
        }
        synchronized (log) {
            if (log.dropped || !log.epoch.equals(from.epoch()) || from.offset() > log.offset) {
                return Replay.LOST;
            }
            trim(log, clock.millis());
            if (from.offset() < log.evictedThrough) {
                return Replay.LOST;
            }
            int n = log.entries.size();
            int first = n;
            while (first > 0 && log.entries.offset(first - 1) > from.offset()) {
                first--;
            }
            List<Message> out = new ArrayList<>(n - first);
            for (int i = first; i < n; i++) {
                out.add(log.entries.get(i, log.epoch));
            }
            return new Replay(true, out);
        }
    }

    @Override
    public List<Message> latest(ChannelKey key, int count, long sinceMillis) {
        ChannelLog log = logs.get(key);
        if (log == null || count <= 0) {
            return List.of();
        }
        synchronized (log) {
            trim(log, clock.millis());
            int n = log.entries.size();
            int first = n;
            while (first > 0 && n - first < count && log.entries.timestampOr(first - 1, Long.MAX_VALUE) >= sinceMillis) {
                first--;
            }
            List<Message> out = new ArrayList<>(n - first);
            for (int i = first; i < n; i++) {
                out.add(log.entries.get(i, log.epoch));
            }
            return out;
        }
    }

    @Override
    public HistoryPage history(ChannelKey key, HistoryQuery q) {
        ChannelLog log = logs.get(key);
        if (log == null) {
            return new HistoryPage(List.of(), null);
        }
        synchronized (log) {
            trim(log, clock.millis());
            MessageRing ring = log.entries;
            List<Message> kept = new AbstractList<>() { // unpacked as paging reaches them (a page is a few of many)
                @Override
                public Message get(int i) { return ring.get(i, log.epoch); }

                @Override
                public int size() { return ring.size(); }
            };
            return HistoryPaging.page(log.epoch, kept, q);
        }
    }

    @Override
    public boolean isDuplicate(ChannelKey key, String id) {
        if (id == null) {
            return false;
        }
        ChannelLog log = logs.get(key);
        if (log == null) {
            return false;
        }
        synchronized (log) {
            forgetExpiredIds(log, clock.millis());
            return log.ids.containsKey(id);
        }
    }

    /**
     * Drops what has expired everywhere, and the logs of channels that hold nothing, are not
     * pinned and have been idle for the retention time. Call now and then (the broker does every
     * few seconds); appends and reads trim their own channel as they go.
     */
    public void sweep() {
        long now = clock.millis();
        long idleFor = Math.max(Math.max(retention.maxAgeMillis(), retention.dedupeWindowMillis()), keepPositionMillis);
        for (Map.Entry<ChannelKey, ChannelLog> e : logs.entrySet()) {
            ChannelLog log = e.getValue();
            boolean pin = pinned.test(e.getKey());
            synchronized (log) {
                trim(log, now);
                forgetExpiredIds(log, now);
                if (pin) {
                    log.lastTouched = now;
                } else if (now - log.lastTouched >= idleFor) {
                    // nobody attached and nothing written for the retention time: its history expires, whatever the count
                    while (!log.entries.isEmpty()
                            && log.entries.timestampOr(0, Long.MAX_VALUE) < now - retention.maxAgeMillis()) {
                        removeFirst(log);
                    }
                    if (log.entries.isEmpty() && log.ids.isEmpty()) {
                        log.dropped = true;
                    }
                }
            }
            if (log.dropped) {
                logs.remove(e.getKey(), log);
            }
        }
    }

    /** Messages kept in all channels, in bytes (payload plus an estimate of the overhead). */
    public long retainedBytes() { return totalBytes.get(); }

    /** Messages evicted by the byte bounds (not by age), since start. */
    public long evictedForSpace() { return evicted.sum(); }

    /** Channels with a log (messages, ids or a position kept). */
    public int channelCount() { return logs.size(); }

    /**
     * Remembers an id until {@code forgetAt}; a re-used id's older queue entry is skipped when it
     * comes due. At most {@link #MAX_IDS_PER_CHANNEL}: past it the oldest are forgotten early.
     */
    private static void remember(ChannelLog log, String id, long forgetAt) {
        log.ids.put(id, forgetAt);
        log.idOrder.addLast(Map.entry(id, forgetAt));
        while (log.idOrder.size() > MAX_IDS_PER_CHANNEL) {
            Map.Entry<String, Long> e = log.idOrder.pollFirst();
            log.ids.remove(e.getKey(), e.getValue());
        }
    }

    private static void forgetExpiredIds(ChannelLog log, long now) {
        while (!log.idOrder.isEmpty() && log.idOrder.peekFirst().getValue() <= now) {
            Map.Entry<String, Long> e = log.idOrder.pollFirst();
            log.ids.remove(e.getKey(), e.getValue());
        }
    }

    /** Applies the age, count and per-channel byte rules (monitor held). */
    private void trim(ChannelLog log, long now) {
        long oldestKept = now - retention.maxAgeMillis();
        while (!log.entries.isEmpty()) {
            boolean overBytes = log.bytes > retention.maxBytesPerChannel();
            boolean expired = log.entries.size() > retention.minMessages()
                    && log.entries.timestampOr(0, Long.MAX_VALUE) < oldestKept;
            if (!overBytes && !expired) {
                break;
            }
            if (overBytes) {
                evicted.increment();
            }
            removeFirst(log);
        }
    }

    private void removeFirst(ChannelLog log) {
        int bytes = log.entries.firstCost();
        log.evictedThrough = log.entries.firstOffset();
        log.entries.removeFirst();
        log.bytes -= bytes;
        totalBytes.addAndGet(-bytes);
    }

    /**
     * How far under the global bound one eviction pass brings the total: 1/64 of the bound, or 1 KiB
     * a channel when more (so the pass's walk over every channel is paid at most once per kilobyte
     * evicted from each), never more than a tenth. At the default bound of 256 MiB and a thousand
     * channels that is 4 MiB, about 20,000 messages: a pass of about 2 ms on the thread that crossed
     * the bound, where a tenth (150,000 messages) had stalled it for 13-18 ms.
     */
    static long evictionSlack(long maxBytesTotal, int channels) {
        return Math.min(maxBytesTotal / 10, Math.max(maxBytesTotal / 64, channels * 1024L));
    }

    /**
     * How close to oldest-first a global eviction keeps: it takes a channel's messages up to this
     * much newer than the oldest left in any other channel together, in one hold of the channel's
     * monitor. One message per turn of the heap had each eviction touch another channel's cold ring
     * (1.4% of a busy node's CPU once its history was at the bound); channels publishing in step
     * now give up a second of their history per turn.
     */
    static final long EVICTION_GRAIN_MILLIS = 1_000;

    /**
     * Brings all channels back under the global byte bound by {@link #evictionSlack}, the oldest
     * messages anywhere first (to within {@link #EVICTION_GRAIN_MILLIS}): one pass over the channels,
     * then a heap of each channel's oldest message. One thread at a time; the others go on (they
     * will find the total back in bounds).
     */
    private void evictGlobally() {
        if (!evicting.compareAndSet(false, true)) {
            return;
        }
        try {
            long target = retention.maxBytesTotal() - evictionSlack(retention.maxBytesTotal(), logs.size());
            PriorityQueue<long[]> heap = new PriorityQueue<>(Comparator.comparingLong(a -> a[0]));
            List<ChannelLog> byIndex = new ArrayList<>();
            for (ChannelLog log : logs.values()) {
                synchronized (log) {
                    if (!log.entries.isEmpty()) {
                        heap.add(new long[] {log.entries.timestampOr(0, 0), byIndex.size()});
                        byIndex.add(log);
                    }
                }
            }
            while (totalBytes.get() > target && !heap.isEmpty()) {
                long[] oldest = heap.poll();
                ChannelLog log = byIndex.get((int) oldest[1]);
                long next = heap.isEmpty() ? Long.MAX_VALUE : heap.peek()[0];
                long upTo = next > Long.MAX_VALUE - EVICTION_GRAIN_MILLIS ? Long.MAX_VALUE : next + EVICTION_GRAIN_MILLIS;
                synchronized (log) {
                    // at least its oldest when the heap had it right (a stale entry is put back as it is now)
                    while (!log.entries.isEmpty() && totalBytes.get() > target && log.entries.timestampOr(0, 0) <= upTo) {
                        removeFirst(log);
                        evicted.increment();
                    }
                    if (!log.entries.isEmpty()) {
                        heap.add(new long[] {log.entries.timestampOr(0, 0), oldest[1]});
                    }
                }
            }
        } finally {
            evicting.set(false);
        }
    }
}
