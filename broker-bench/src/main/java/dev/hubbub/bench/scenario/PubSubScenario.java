package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.report.Latency;
import dev.hubbub.bench.report.LatencyRecorder;
import dev.hubbub.bench.report.Ratios;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.report.ServerProbe;
import dev.hubbub.bench.run.NodeSpread;
import dev.hubbub.bench.run.Pacer;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.run.PublishSchedule;
import dev.hubbub.bench.run.SlotSerials;
import dev.hubbub.bench.run.Window;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.function.LongConsumer;

/**
 * Publish/subscribe load: C channels, each with S subscribers and P publishers; the total offered
 * rate is split evenly across publishers. {@code fanout} is one channel with many subscribers,
 * {@code channels} is many channels with one of each.
 *
 * <p>Each publisher stamps its payload with the send time; a delivery counts if its stamp is in
 * the measured window. Expected deliveries = (publishes in the window - those NACKed) x the
 * channel's attached subscribers.
 *
 * <p>The protocol is a {@link Wire}: hubbub's realtime protocol by default, or NATS
 * ({@link #overNats}) for the peer comparison. Only opening, subscribing and closing differ;
 * pacing, stamps, window, latency, ratios and the broker probe are this class's, so both brokers
 * are measured the same way.
 *
 * <p>With several nodes (a cluster) the {@link NodeSpread} says which node each subscriber and
 * publisher connects to; the report then has a "nodes" section ({@link NodeTally}).
 */
public final class PubSubScenario {
    public record Settings(String scenario, int channels, int subscribersPerChannel, int publishersPerChannel,
                           double rate, int size, double drainSeconds, long tickMicros, IntFunction<String> channelName,
                           NodeSpread spread) { }

    /** The publishing side of one connection, driven by the pacer on the connection's event loop. */
    interface Sender {
        EventLoop eventLoop();

        boolean isOpen();

        boolean isWritable();

        /** Writes one message on {@code channel} without flushing; returns its serial (what ACKs refer to, if any). */
        long send(String channel, String data);

        void flush();
    }

    /** The protocol-specific part of a run: opening and subscribing connections, closing them. */
    interface Wire {
        /** config.protocol and config.format of the report. */
        String protocol();

        String format();

        /** Whether each publish is ACKed or NACKed; without, the drain waits for deliveries only. */
        boolean acknowledged();

        /**
         * Opens {@code run}'s subscribers (calling {@link #subscribed} for each one on its channel)
         * and publishers (binding each that connects with {@link Publisher#bind}); fills the
         * report's connections section and connect/attach failures. Returns the live publishers.
         */
        Opened open(PubSubScenario run, List<Publisher> publishers, Report report);
    }

    /** What a wire opened: the publishers with a sender, and how to close every connection. */
    record Opened(List<Publisher> live, LongConsumer closeAll) { }

    /** Per-channel bookkeeping. */
    private static final class Group {
        final String channel;
        final AtomicInteger subscribers = new AtomicInteger();
        final LongAdder sentInWindow = new LongAdder();
        /** Sent, by the {@link Window#slot} of their stamp: [1] is sentInWindow. */
        final LongAdder[] sentBy = {new LongAdder(), sentInWindow, new LongAdder()};
        final LongAdder rejectedInWindow = new LongAdder();

        Group(String channel) {
            this.channel = channel;
        }
    }

    private final Settings s;
    private final RunContext ctx;
    private final Payload payload;
    private final LatencyRecorder latency = new LatencyRecorder();
    /** Each delivery's latency split at the broker's timestamp. */
    private final BrokerSplit brokerSplit = new BrokerSplit();
    private final ErrorCounts errors = new ErrorCounts();
    private final LongAdder sent = new LongAdder();
    private final LongAdder sentInWindow = new LongAdder();
    private final LongAdder ackedInWindow = new LongAdder();
    private final LongAdder nackedInWindow = new LongAdder();
    private final LongAdder skippedInWindow = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder receivedInWindow = new LongAdder();
    private final LongAdder unstamped = new LongAdder();
    // Per-message counters by the Window.slot of the stamp (before, in, after the window); [1] is the one
    // reported. The other two only keep the per-message code the same before and during the window.
    private final LongAdder[] sentBy = {new LongAdder(), sentInWindow, new LongAdder()};
    private final LongAdder[] receivedBy = {new LongAdder(), receivedInWindow, new LongAdder()};
    private final LongAdder[] skippedBy = {new LongAdder(), skippedInWindow, new LongAdder()};
    private final LatencyRecorder[] latencyBy = {new LatencyRecorder(), latency, new LatencyRecorder()};
    private final LongAdder unexpectedCloses = new LongAdder();
    /** Per subscriber connection, the stamp of its last delivery (order check, one publisher per channel only). */
    private final Map<Connection, long[]> lastStamp = new ConcurrentHashMap<>();
    private final LongAdder[] orderBreaks;
    private final List<Group> groups = new ArrayList<>();
    private final NodeTally nodes;
    private final List<SubscriberListener> subscriberListeners = new ArrayList<>();
    private final Wire wire;
    private volatile Window window;

    /** A run over hubbub's realtime protocol (the bench's --format). */
    public PubSubScenario(Settings settings, RunContext ctx) {
        this(settings, ctx, null);
    }

    /** The same run against a NATS server's WebSocket listener (the fan-out peer). */
    public static PubSubScenario overNats(Settings settings, RunContext ctx) {
        return new PubSubScenario(settings, ctx, new NatsWire());
    }

    private PubSubScenario(Settings settings, RunContext ctx, Wire wire) {
        this.s = settings;
        this.ctx = ctx;
        this.wire = wire != null ? wire : new AblyWire(ctx);
        this.payload = new Payload(settings.size());
        for (int c = 0; c < settings.channels(); c++) {
            groups.add(new Group(settings.channelName().apply(c)));
        }
        this.nodes = new NodeTally(settings.spread(), ctx.client().endpoints().stream().map(Object::toString).toList());
        this.orderBreaks = new LongAdder[settings.spread().nodes()];
        for (int n = 0; n < settings.spread().nodes(); n++) {
            subscriberListeners.add(new SubscriberListener(n));
            orderBreaks[n] = new LongAdder();
        }
    }

    /** One paced publisher; all its state is owned by its connection's event loop. */
    final class Publisher extends CountingListener implements Pacer.Paced {
        final int index;
        final Group group;
        final PublishSchedule schedule;
        Sender out;
        /** The serials sent, by window slot. */
        private final SlotSerials serials = new SlotSerials();

        Publisher(int index, Group group, double ratePerSecond, long tickMicros, long phaseNanos) {
            super("publisher", errors, unexpectedCloses);
            this.index = index;
            this.group = group;
            this.schedule = new PublishSchedule(ratePerSecond, tickMicros, phaseNanos);
        }

        /** The channel this publisher sends on. */
        String channel() {
            return group.channel;
        }

        void bind(Sender sender) {
            this.out = sender;
        }

        @Override
        public EventLoop eventLoop() {
            return out.eventLoop();
        }

        @Override
        public void tick(long now) {
            Window w = window;
            if (w == null || w.isOver(now) || !out.isOpen()) {
                return;
            }
            long n = schedule.take(now - w.trafficStart(), out.isWritable(), skippedBy[w.slot(now)]);
            for (long i = 0; i < n; i++) {
                long stamp = System.nanoTime();
                long serial = out.send(group.channel, payload.encode(stamp));
                sent.increment();
                int slot = w.slot(stamp);
                serials.sent(slot, serial);
                sentBy[slot].increment();
                group.sentBy[slot].increment();
            }
            if (n > 0) {
                out.flush();
            }
        }

        @Override
        public void onAck(Connection c, long msgSerial, int count) {
            ackedInWindow.add(Ratios.overlap(msgSerial, count, serials.firstInWindow(), serials.lastInWindow()));
        }

        @Override
        public void onNack(Connection c, long msgSerial, int count, InboundFrame f) {
            errors.add("nack-" + f.errorKey(), count, f.errorMessage());
            long inWindow = Ratios.overlap(msgSerial, count, serials.firstInWindow(), serials.lastInWindow());
            nackedInWindow.add(inWindow);
            group.rejectedInWindow.add(inWindow);
        }
    }

    /** Shared by every subscriber on one node: counts and times deliveries. */
    private final class SubscriberListener extends CountingListener {
        final int node;

        SubscriberListener(int node) {
            super("subscriber", errors, unexpectedCloses);
            this.node = node;
        }

        @Override
        public void onMessage(Connection c, InboundFrame f) {
            long now = System.nanoTime();
            Window w = window;
            int n = f.items();
            received.add(n);
            long[] last = checksOrder() ? lastStamp.computeIfAbsent(c, k -> new long[] {Long.MIN_VALUE}) : null;
            for (int i = 0; i < n; i++) {
                long stamp = f.stamp(i);
                count(node, w, stamp, now);
                split(w, stamp, f.timestamp(), now);
                if (last != null && stamp != Payload.NO_STAMP) {
                    // one publisher per channel: its stamps only grow, so a stamp not above the
                    // previous one on this connection is a repeated or reordered delivery
                    if (stamp <= last[0]) {
                        if (w != null && w.contains(stamp)) {
                            orderBreaks[node].increment();
                        }
                    } else {
                        last[0] = stamp;
                    }
                }
            }
        }
    }

    /** Whether deliveries are checked for order: only with one publisher per channel (its stamps only grow). */
    private boolean checksOrder() {
        return s.publishersPerChannel() == 1;
    }

    /** Records both halves of a delivery's latency in the window, when the frame carries the broker's timestamp. */
    private void split(Window w, long stamp, long brokerMillis, long now) {
        if (brokerMillis == InboundFrame.ABSENT || stamp == Payload.NO_STAMP || w == null) {
            return;
        }
        brokerSplit.record(w.slot(stamp), stamp, brokerMillis, now);
    }

    /** Counts one delivery to a subscriber on {@code node}, carrying {@code stamp}, seen at {@code now} (received counted). */
    private void count(int node, Window w, long stamp, long now) {
        if (stamp == Payload.NO_STAMP) {
            unstamped.increment();
        } else if (w != null) {
            int slot = w.slot(stamp);
            receivedBy[slot].increment();
            latencyBy[slot].recordNanos(now - stamp);
            if (nodes.several() && slot == 1) {
                nodes.delivered(node, now - stamp);
            }
        }
    }


    // ---- for wires ----------------------------------------------------------------------------

    Settings settings() { return s; }
    RunContext ctx() { return ctx; }
    String channelOf(int subscriber) { return groups.get(subscriber % s.channels()).channel; }
    /** The node (index into the client's endpoints) subscriber {@code i} connects to. */
    int nodeOf(int subscriber) { return s.spread().subscriberNode(subscriber); }
    /** The node publisher {@code j} connects to. */
    int publisherNodeOf(int j) { return s.spread().publisherNode(j); }

    /** The listener for subscriber {@code i} (one per node, so deliveries are told apart by node). */
    ConnectionListener subscriberListener(int i) {
        return subscriberListeners.get(nodeOf(i));
    }

    /** Subscriber number {@code i} is attached to / subscribed on its channel. */
    void subscribed(int i) {
        groups.get(i % s.channels()).subscribers.incrementAndGet();
        nodes.attached(i);
    }

    /** One delivery to a subscriber on {@code node}, its payload carrying {@code stamp}, seen at {@code now}; any thread. */
    void delivered(int node, long stamp, long now) {
        received.increment();
        count(node, window, stamp, now);
    }

    void error(String key, String message) {
        errors.add(key, 1, message);
    }

    void connectionLost() {
        unexpectedCloses.increment();
    }

    int attachedSubscribers() {
        return groups.stream().mapToInt(g -> g.subscribers.get()).sum();
    }

    // ---- the run ------------------------------------------------------------------------------

    public Report run() {
        Report report = new Report(s.scenario());
        Map<String, Object> config = report.section("config");
        config.put("protocol", wire.protocol());
        config.put("channels", s.channels());
        config.put("subscribersPerChannel", s.subscribersPerChannel());
        config.put("publishersPerChannel", s.publishersPerChannel());
        config.put("offeredRate", s.rate());
        config.put("payloadBytes", s.size());
        config.put("format", wire.format());
        config.put("warmupSeconds", ctx.warmupSeconds());
        config.put("durationSeconds", ctx.durationSeconds());

        int pubCount = s.channels() * s.publishersPerChannel();
        List<Publisher> publishers = new ArrayList<>();
        double perPublisher = s.rate() / Math.max(1, pubCount);
        for (int j = 0; j < pubCount; j++) {
            publishers.add(new Publisher(j, groups.get(j % s.channels()), perPublisher, s.tickMicros(),
                    Pacer.phaseNanos(j, pubCount, perPublisher)));
        }
        Opened opened = wire.open(this, publishers, report);
        if (opened.live().isEmpty() || attachedSubscribers() == 0 || ctx.deadline().expired()) {
            report.put("result", "aborted: no publisher connected or no subscriber attached");
            opened.closeAll().accept(2000);
            return report;
        }
        opened.live().forEach(p -> nodes.publisherLive(p.index));
        traffic(opened.live(), report);
        opened.closeAll().accept(3000);
        return report;
    }

    private void traffic(List<Publisher> live, Report report) {
        Pacer pacer = new Pacer(live);
        long[] last = new long[3];
        ctx.progress().show(() -> progressLine(last));
        Window w = Window.startingNow(ctx.warmupSeconds(), ctx.durationSeconds());
        window = w;
        pacer.start(s.tickMicros());
        ctx.sleepUntil(w.start());
        latency.interval();
        ServerProbe.Sample before = ctx.probe() == null ? null : ctx.probe().sample();
        ctx.sleepUntil(w.end());
        ServerProbe.Sample after = ctx.probe() == null ? null : ctx.probe().sample();
        w = RunContext.cutShortIfNeeded(w, report);
        window = w;
        pacer.stop();
        long drainUntil = ctx.deadline().within(Window.seconds(s.drainSeconds()));
        while (System.nanoTime() < drainUntil
                && !(receivedInWindow.sum() >= expected() && (!wire.acknowledged() || outstandingAcks() <= 0))) {
            ctx.sleepUntil(Math.min(drainUntil, System.nanoTime() + 20_000_000L));
        }
        double drained = (System.nanoTime() - w.end()) / 1e9;

        double secs = w.durationSeconds();
        Map<String, Object> pub = report.section("publish");
        pub.put("offeredRate", s.rate());
        pub.put("achievedRate", Ratios.rate(sentInWindow.sum(), secs));
        boolean acks = wire.acknowledged();
        pub.put("ackedRate", acks ? Ratios.rate(ackedInWindow.sum(), secs) : null);
        pub.put("published", sentInWindow.sum());
        pub.put("acked", acks ? ackedInWindow.sum() : null);
        pub.put("nacked", acks ? nackedInWindow.sum() : null);
        pub.put("unacknowledged", acks ? outstandingAcks() : null);
        pub.put("skippedBackpressure", skippedInWindow.sum());
        Map<String, Object> del = report.section("delivery");
        long expected = expected();
        del.put("expected", expected);
        del.put("received", receivedInWindow.sum());
        del.put("deliveryRatio", Ratios.deliveryRatio(receivedInWindow.sum(), expected));
        del.put("deliveriesPerSecond", Ratios.rate(receivedInWindow.sum(), secs));
        del.put("receivedTotal", received.sum());
        del.put("unstamped", unstamped.sum());
        del.put("drainSeconds", drained);
        long breaks = 0;
        for (LongAdder b : orderBreaks) {
            breaks += b.sum();
        }
        // deliveries in the window whose stamp was not above the subscriber's previous one
        // (a duplicate or a reordering); only checked over hubbub's protocol with one publisher per channel
        del.put("repeatedOrReordered", checksOrder() && wire.acknowledged() ? breaks : null);
        report.section("latency").putAll(latency.total().asMap());
        brokerSplit.report(report);
        if (nodes.several()) {
            long[] perNode = null;
            if (checksOrder() && wire.acknowledged()) {
                perNode = new long[orderBreaks.length];
                for (int n = 0; n < perNode.length; n++) {
                    perNode[n] = orderBreaks[n].sum();
                }
            }
            nodes.put(report, s.channels() * s.subscribersPerChannel(), s.channels() * s.publishersPerChannel(), perNode);
        }
        report.putErrors("errors", errors);
        if (unexpectedCloses.sum() > 0) {
            report.section("errors").put("connectionsLost", unexpectedCloses.sum());
        }
        if (before != null) {
            ctx.probe().describe(before, after, receivedInWindow.sum(), "cpuMicrosPerDelivery", report.section("server"));
        }
    }

    private long expected() {
        long e = 0;
        for (Group g : groups) {
            e += Ratios.expectedDeliveries(g.sentInWindow.sum(), g.rejectedInWindow.sum(), g.subscribers.get());
        }
        return e;
    }

    private long outstandingAcks() {
        return sentInWindow.sum() - ackedInWindow.sum() - nackedInWindow.sum();
    }

    private String progressLine(long[] last) {
        Window w = window;
        long now = System.nanoTime();
        long sentNow = sent.sum();
        long recvNow = received.sum();
        long errNow = errors.total() + unexpectedCloses.sum();
        String inWindow = "-";
        if (w != null) {
            // every slot's recorder is read (flipped) once a second, not only the window's: HdrHistogram's
            // recorders change phase at each read, and a first read a second into the window turned a
            // branch the compiled delivery path had never taken (-XX:+LogCompilation: an unstable_if trap in
            // WriterReaderPhaser.writerCriticalSectionExit), so the JIT threw that path away there
            int slot = w.slot(now);
            Latency l = latencyBy[slot].interval();
            inWindow = slot == 1 ? shortLatency(l) : "-";
        }
        String line = String.format("%-7s pub %,7d/s  deliver %,9d/s  in-window latency %s  errors %d",
                w == null ? "setup" : w.phase(now), sentNow - last[0], recvNow - last[1], inWindow, errNow);
        last[0] = sentNow;
        last[1] = recvNow;
        return line;
    }

    private static String shortLatency(Latency l) {
        return l.count() == 0 ? "-" : String.format("p50 %.2f p99 %.2f max %.2f ms", l.p50(), l.p99(), l.max());
    }
}
