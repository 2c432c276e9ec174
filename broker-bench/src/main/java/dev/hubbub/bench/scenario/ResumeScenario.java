package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.Actions;
import dev.hubbub.bench.client.BenchClient;
import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.report.Latency;
import dev.hubbub.bench.report.LatencyRecorder;
import dev.hubbub.bench.report.Ratios;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.report.ServerProbe;
import dev.hubbub.bench.run.Deadline;
import dev.hubbub.bench.run.Pacer;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.run.PublishSchedule;
import dev.hubbub.bench.run.SequenceTracker;
import dev.hubbub.bench.run.Window;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * Connection resume under load (RTN15, RTL4c1): N subscribers attach to one channel; one
 * publisher sends at a steady rate, each payload carrying its send time and a sequence number.
 * {@code dropAfter} seconds into the measured window every subscriber drops its transport at once
 * (TCP close, no CLOSE, no WebSocket close frame) and reconnects with {@code resume=<connectionKey>},
 * at most {@code resumeConcurrency} at a time, re-attaching with the last channelSerial it saw,
 * while the publisher keeps publishing; then the run goes on to the end of the window and drains.
 *
 * <p>Each subscriber accounts for the sequence numbers it got ({@link SequenceTracker}): lost,
 * duplicated, out of order. Like ably-js (RTL17), it ignores a MESSAGE for its channel while the
 * channel is not attached (counted as {@code discardedBeforeAttached}). It also records whether
 * the resume kept its connectionId, whether the re-ATTACHED carried RESUMED, and the time from
 * the drop to its re-ATTACHED.
 */
public final class ResumeScenario {
    public record Settings(int subscribers, String channel, double rate, int size, double dropAfterSeconds,
                           boolean reset, int resumeConcurrency, double resumeTimeoutSeconds, double drainSeconds,
                           long tickMicros) { }

    /** When the drop happened, and whether every dropped subscriber is settled (back or given up). */
    private record Marks(boolean dropped, long drop, boolean settled) {
        static final Marks BEFORE = new Marks(false, 0, false);
    }

    private static final int ANOMALIES_SHOWN = 5;

    private final Settings s;
    private final RunContext ctx;
    private final Payload payload;
    private final ErrorCounts errors = new ErrorCounts();
    private final LatencyRecorder latencyAll = new LatencyRecorder();
    private final LatencyRecorder latencyBefore = new LatencyRecorder();
    private final LatencyRecorder latencyReplayed = new LatencyRecorder();
    private final LatencyRecorder latencyAfter = new LatencyRecorder();
    private final Histogram sinceDrop = new SynchronizedHistogram(Latency.HIGHEST_MICROS, 3);
    private final Histogram ownReconnect = new SynchronizedHistogram(Latency.HIGHEST_MICROS, 3);
    private final LongAdder received = new LongAdder();
    private final LongAdder unsequenced = new LongAdder();
    private final LongAdder discardedBeforeAttached = new LongAdder();
    private final LongAdder replayed = new LongAdder();
    private final LongAdder unexpectedCloses = new LongAdder();
    private final LongAdder sameId = new LongAdder();
    private final LongAdder newId = new LongAdder();
    private final LongAdder channelResumed = new LongAdder();
    private final LongAdder channelNotResumed = new LongAdder();
    private final LongAdder reattached = new LongAdder();
    private final ErrorCounts reattachFailures = new ErrorCounts();
    private final AtomicInteger awaitingReattach = new AtomicInteger();
    private final AtomicLong lastReattachedNanos = new AtomicLong();
    private final Publisher publisher;
    private volatile Window window;
    private volatile Marks marks = Marks.BEFORE;

    public ResumeScenario(Settings settings, RunContext ctx) {
        this.s = settings;
        this.ctx = ctx;
        this.payload = new Payload(settings.size());
        this.publisher = new Publisher();
    }

    /** True when the report says every re-attached subscriber got every message once and in order. */
    public static boolean continuityKept(Report report) {
        Object c = report.asMap().get("continuity");
        return !(c instanceof Map<?, ?> m) || !String.valueOf(m.get("verdict")).startsWith("FAILED");
    }

    // ---- subscribers ----------------------------------------------------------------------------

    /**
     * One subscriber across its two connections (before and after the drop). Its state is guarded
     * by its own lock: the connections may run on different event loops, and the main thread
     * reads the figures at the end.
     */
    private final class Subscriber extends CountingListener {
        final int index;
        final SequenceTracker seqs = new SequenceTracker();
        final CompletableFuture<Void> ready = new CompletableFuture<>();
        final CompletableFuture<Void> back = new CompletableFuture<>();
        /** The connection it dropped, once dropped. */
        final CompletableFuture<Connection> gone = new CompletableFuture<>();
        Connection conn;
        boolean attached;
        String lastSerial;
        // the drop
        boolean dropping;
        Connection old;
        String oldConnectionId;
        String connectionKey;
        String serialAtDrop;
        long highestAtDrop = -1;
        // the resume
        long reconnectStart;
        String newConnectionId;
        String connectError;
        String attachedSerial;
        long attachedFlags = -1;
        String attachedError;
        long reattachedAt;
        boolean resumedFlag;
        long firstAfterAttach = -1;
        long replayedHere;
        String failure;

        Subscriber(int index) {
            super("subscriber", errors, unexpectedCloses);
            this.index = index;
        }

        @Override
        public void onConnected(Connection c, InboundFrame f) {
            CompletableFuture<InboundFrame> attach;
            synchronized (this) {
                if (conn != null || (old != null && c == old)) {
                    return; // a later CONNECTED on the same connection (none expected here)
                }
                conn = c;
                if (dropping) {
                    newConnectionId = f.connectionId();
                    if (f.hasError()) {
                        connectError = f.errorKey() + " " + f.errorMessage();
                        errors.add("resume-connected-" + f.errorKey(), 1, f.errorMessage());
                    }
                    if (oldConnectionId != null && oldConnectionId.equals(newConnectionId)) {
                        sameId.increment();
                    } else {
                        newId.increment();
                    }
                }
                // as ably-js does on every CONNECTED (RTL3d): ATTACH at once, with the last channelSerial seen
                attach = c.attach(s.channel(), 0, lastSerial);
            }
            attach.whenComplete((frame, e) -> onAttach(c, frame, e));
        }

        private void onAttach(Connection c, InboundFrame frame, Throwable e) {
            boolean resumePhase;
            synchronized (this) {
                if (c != conn || (dropping && back.isDone())) {
                    return; // a superseded connection, or given up on (--resume-timeout)
                }
                resumePhase = dropping;
                if (e != null) {
                    failure = "attach " + BenchFailure.codeOf(e) + ": " + BenchFailure.messageOf(e);
                } else {
                    attached = true;
                    if (frame.channelSerial() != null) {
                        lastSerial = frame.channelSerial();
                    }
                    if (resumePhase) {
                        attachedSerial = frame.channelSerial();
                        attachedFlags = frame.flags();
                        attachedError = frame.hasError() ? frame.errorKey() + " " + frame.errorMessage() : null;
                        resumedFlag = (frame.flags() & Actions.RESUMED) != 0;
                        reattachedAt = frame.receivedNanos();
                    }
                }
            }
            if (!resumePhase) {
                if (e != null) {
                    errors.add("attach-" + BenchFailure.codeOf(e), 1, BenchFailure.messageOf(e));
                }
                ready.complete(null);
                return;
            }
            if (e != null) {
                reattachFailures.add(BenchFailure.codeOf(e), 1, BenchFailure.messageOf(e));
            } else {
                reattached.increment();
                (resumedFlag ? channelResumed : channelNotResumed).increment();
                if (frame.hasError()) {
                    errors.add("reattached-" + frame.errorKey(), 1, frame.errorMessage());
                }
                sinceDrop.recordValue(Latency.clampMicros(reattachedAt - marks.drop()));
                ownReconnect.recordValue(Latency.clampMicros(reattachedAt - reconnectStart));
                lastReattachedNanos.accumulateAndGet(reattachedAt, (a, b) -> a == 0 || b - a > 0 ? b : a);
            }
            settle();
        }

        /** On the old connection's loop: snapshot what the resume needs, then drop the transport. */
        void drop() {
            Connection c;
            synchronized (this) {
                c = conn;
                old = c;
                dropping = true;
                oldConnectionId = c.connectionId();
                connectionKey = c.connectionKey();
                serialAtDrop = lastSerial;
                highestAtDrop = seqs.highest();
                conn = null;
                attached = false;
            }
            c.drop(s.reset());
            gone.complete(c);
        }

        /** Credentials for the resume, once the old socket is closed (the bench's file descriptors stay bounded). */
        CompletableFuture<Endpoint.Credentials> resumeCredentials() {
            return gone.thenCompose(Connection::closed).thenApply(v -> {
                synchronized (this) {
                    reconnectStart = System.nanoTime();
                    return Endpoint.Credentials.key(ctx.key().full(), null).withResume(connectionKey);
                }
            });
        }

        /** The reconnect did not reach CONNECTED, or the re-attach never came. */
        void failed(String why) {
            synchronized (this) {
                if (back.isDone() || (attached && conn != null)) {
                    return;
                }
                failure = why;
            }
            reattachFailures.add(why.startsWith("reconnect") ? "reconnect" : "timeout", 1, why);
            settle();
        }

        private void settle() {
            if (!back.complete(null)) {
                return;
            }
            if (awaitingReattach.decrementAndGet() == 0) {
                marks = new Marks(true, marks.drop(), true);
            }
        }

        synchronized boolean live() {
            return conn != null && attached;
        }

        synchronized boolean reattachedOk() {
            return dropping && attached && conn != null;
        }

        @Override
        public void onMessage(Connection c, InboundFrame f) {
            long now = System.nanoTime();
            int n = f.items();
            received.add(n);
            synchronized (this) {
                if (c != conn) {
                    return; // the dropped transport
                }
                if (!attached) {
                    discardedBeforeAttached.add(n); // ably-js drops these (RTL17)
                    return;
                }
                if (f.channelSerial() != null) {
                    lastSerial = f.channelSerial();
                }
                for (int i = 0; i < n; i++) {
                    long seq = f.sequence(i);
                    if (seq < 0) {
                        unsequenced.increment();
                        continue;
                    }
                    SequenceTracker.Kind kind = seqs.record(seq);
                    long stamp = f.stamp(i);
                    boolean replay = dropping && stamp != Payload.NO_STAMP && stamp - reattachedAt < 0;
                    if (dropping && firstAfterAttach < 0) {
                        firstAfterAttach = seq;
                    }
                    if (replay) {
                        replayedHere++;
                        replayed.increment();
                    }
                    if (kind != SequenceTracker.Kind.DUPLICATE && stamp != Payload.NO_STAMP) {
                        time(stamp, now, !dropping ? latencyBefore : replay ? latencyReplayed : latencyAfter);
                    }
                }
            }
        }

        /** Figures for the anomalies section. */
        synchronized Map<String, Object> describe(long last) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("subscriber", index);
            m.put("oldConnectionId", oldConnectionId);
            m.put("newConnectionId", newConnectionId);
            m.put("connectedError", connectError);
            m.put("sentChannelSerial", serialAtDrop);
            m.put("highestSequenceBeforeDrop", highestAtDrop);
            m.put("attachedChannelSerial", attachedSerial);
            m.put("attachedFlags", attachedFlags);
            m.put("attachedError", attachedError);
            m.put("firstSequenceAfterAttach", firstAfterAttach);
            m.put("missing", seqs.missing(last));
            m.put("firstMissing", seqs.firstMissing(last));
            m.put("duplicates", seqs.duplicates());
            m.put("outOfOrder", seqs.outOfOrder());
            m.put("failure", failure);
            return m;
        }
    }

    /**
     * Times one first delivery of a message stamped in the window: in the total and in
     * {@code part} (on the first connection, replayed after the re-ATTACHED, or live after it).
     */
    private void time(long stamp, long now, LatencyRecorder part) {
        Window w = window;
        if (w == null || !w.contains(stamp)) {
            return;
        }
        long latency = now - stamp;
        latencyAll.recordNanos(latency);
        part.recordNanos(latency);
    }

    // ---- the publisher --------------------------------------------------------------------------

    /**
     * The paced publisher. Its connection publishes nothing else, so a message's msgSerial is its
     * sequence number, and ACK/NACK ranges are ranges of sequence numbers. Due messages that find
     * the socket unwritable are skipped (no sequence number is used up), so skips are not losses.
     */
    private final class Publisher extends CountingListener implements Pacer.Paced {
        final PublishSchedule schedule = new PublishSchedule(s.rate(), s.tickMicros(), 0);
        Connection conn;
        long next;
        volatile long lastSent = -1;
        final LongAdder sentInWindow = new LongAdder();
        final LongAdder skippedInWindow = new LongAdder();
        final LongAdder acked = new LongAdder();
        final LongAdder nackedCount = new LongAdder();
        private final BitSet nacked = new BitSet();

        Publisher() {
            super("publisher", errors, unexpectedCloses);
        }

        @Override
        public EventLoop eventLoop() {
            return conn.eventLoop();
        }

        @Override
        public void tick(long now) {
            Window w = window;
            if (w == null || w.isOver(now) || !conn.isOpen()) {
                return;
            }
            long n = schedule.take(now - w.trafficStart(), conn.isWritable(), w.contains(now), skippedInWindow);
            for (long i = 0; i < n; i++) {
                long stamp = System.nanoTime();
                long seq = next++;
                conn.publish(s.channel(), "bench", payload.encode(stamp, seq), false);
                lastSent = seq;
                if (w.contains(stamp)) {
                    sentInWindow.increment();
                }
            }
            if (n > 0) {
                conn.flush();
            }
        }

        @Override
        public void onAck(Connection c, long msgSerial, int count) {
            acked.add(count);
        }

        @Override
        public void onNack(Connection c, long msgSerial, int count, InboundFrame f) {
            errors.add("nack-" + f.errorKey(), count, f.errorMessage());
            nackedCount.add(count);
            synchronized (nacked) {
                nacked.set((int) msgSerial, (int) (msgSerial + count));
            }
        }

        /** Sequence numbers up to {@code last} the broker refused: no subscriber can get them. */
        long nackedUpTo(long last, SequenceTracker got) {
            long n = 0;
            synchronized (nacked) {
                for (int i = nacked.nextSetBit(0); i >= 0 && i <= last; i = nacked.nextSetBit(i + 1)) {
                    if (!got.has(i)) {
                        n++;
                    }
                }
            }
            return n;
        }

        long outstanding() {
            return lastSent + 1 - acked.sum() - nackedCount.sum();
        }
    }

    // ---- the run --------------------------------------------------------------------------------

    public Report run() {
        Report report = new Report("resume");
        Map<String, Object> config = report.section("config");
        config.put("subscribers", s.subscribers());
        config.put("channel", s.channel());
        config.put("offeredRate", s.rate());
        config.put("payloadBytes", s.size());
        config.put("format", ctx.client().codec().format().param());
        config.put("warmupSeconds", ctx.warmupSeconds());
        config.put("durationSeconds", ctx.durationSeconds());
        config.put("dropAfterSeconds", s.dropAfterSeconds());
        config.put("drop", s.reset() ? "rst" : "fin");
        config.put("resumeConcurrency", s.resumeConcurrency());

        List<Subscriber> subs = new ArrayList<>(s.subscribers());
        for (int i = 0; i < s.subscribers(); i++) {
            subs.add(new Subscriber(i));
        }
        List<Connection> all = new ArrayList<>();
        // the publisher on its own event loop: 10,000 reconnect handshakes on the subscribers' loops
        // must not hold up its pacing
        try (BenchClient pubClient = new BenchClient(ctx.client().endpoint(), ctx.client().codec().format(), 1, 1)) {
            if (!setUp(subs, all, pubClient, report)) {
                report.put("result", "aborted: the publisher did not connect or no subscriber attached");
                closeAll(subs, all);
                return report;
            }
            traffic(subs, report);
            closeAll(subs, all);
        }
        return report;
    }

    private boolean setUp(List<Subscriber> subs, List<Connection> all, BenchClient pubClient, Report report) {
        long t0 = System.nanoTime();
        ConnectionOpener opener = ctx.openWithKey(i -> null, true, subs::get);
        ctx.progress().show(() -> String.format("setup: %,d / %,d connected", opener.succeeded(), s.subscribers()));
        all.addAll(opener.open(s.subscribers(), ctx.setupConcurrency(), ctx.deadline()));
        List<CompletableFuture<Void>> attaching = new ArrayList<>();
        for (int i = 0; i < subs.size(); i++) {
            if (opener.at(i) != null) {
                attaching.add(subs.get(i).ready);
            }
        }
        await(attaching, ctx.deadline().remainingMillis());
        int attached = (int) subs.stream().filter(Subscriber::live).count();

        ConnectionOpener pubOpener = new ConnectionOpener(pubClient, i -> CompletableFuture.completedFuture(
                Endpoint.Credentials.key(ctx.key().full(), null).withoutEcho()), i -> publisher);
        all.addAll(pubOpener.open(1, 1, ctx.deadline()));
        publisher.conn = pubOpener.at(0);

        Map<String, Object> conns = report.section("connections");
        conns.put("subscribersConnected", opener.succeeded() + " / " + s.subscribers());
        conns.put("subscribersAttached", attached);
        conns.put("publisherConnected", publisher.conn != null);
        conns.put("setupSeconds", (System.nanoTime() - t0) / 1e9);
        conns.put("unfinished", opener.unfinished() + pubOpener.unfinished());
        report.putErrors("connectFailures", ErrorCounts.merged(opener.failures(), pubOpener.failures()));
        return publisher.conn != null && attached > 0 && !ctx.deadline().expired();
    }

    private void traffic(List<Subscriber> subs, Report report) {
        Pacer pacer = new Pacer(List.of(publisher));
        long[] last = new long[2];
        ctx.progress().show(() -> progressLine(last));
        Window w = Window.startingNow(ctx.warmupSeconds(), ctx.durationSeconds());
        window = w;
        pacer.start(s.tickMicros());
        ServerProbe probe = ctx.probe();

        ctx.sleepUntil(w.start());
        ServerProbe.Sample start = probe == null ? null : probe.sample();
        ctx.sleepUntil(w.start() + Window.seconds(s.dropAfterSeconds()));
        ServerProbe.Sample beforeDrop = probe == null ? null : probe.sample();

        // the drop: every attached subscriber at once
        List<Subscriber> dropped = subs.stream().filter(Subscriber::live).toList();
        awaitingReattach.set(dropped.size());
        long dropNanos = System.nanoTime();
        marks = new Marks(true, dropNanos, dropped.isEmpty());
        for (Subscriber sub : dropped) {
            sub.conn.onLoop(sub::drop);
        }

        // the resume, at most resumeConcurrency reconnects in flight
        Deadline resumeDeadline = Deadline.unguarded(Math.min(s.resumeTimeoutSeconds(),
                Math.max(0, ctx.deadline().remainingNanos()) / 1e9));
        ConnectionOpener reopener = new ConnectionOpener(ctx.client(), i -> dropped.get(i).resumeCredentials(),
                dropped::get);
        reopener.open(dropped.size(), s.resumeConcurrency(), resumeDeadline);
        for (int i = 0; i < dropped.size(); i++) {
            if (reopener.at(i) == null) {
                dropped.get(i).failed("reconnect did not reach CONNECTED");
            }
        }
        await(dropped.stream().map(d -> d.back).toList(), resumeDeadline.remainingMillis());
        dropped.forEach(d -> d.failed("no re-ATTACHED within --resume-timeout"));
        ServerProbe.Sample afterResume = probe == null ? null : probe.sample();
        long settledNanos = System.nanoTime();

        ctx.sleepUntil(w.end());
        ServerProbe.Sample end = probe == null ? null : probe.sample();
        w = RunContext.cutShortIfNeeded(w, report);
        window = w;
        pacer.stop();

        // drain: until every re-attached subscriber has everything the publisher sent, and all is ACKed
        List<Subscriber> checked = dropped.stream().filter(Subscriber::reattachedOk).toList();
        long lastSeq = publisher.lastSent;
        long drainUntil = ctx.deadline().within(Window.seconds(s.drainSeconds()));
        while (System.nanoTime() < drainUntil && !(publisher.outstanding() <= 0 && complete(checked, lastSeq))) {
            ctx.sleepUntil(Math.min(drainUntil, System.nanoTime() + 20_000_000L));
        }
        double drained = (System.nanoTime() - w.end()) / 1e9;

        double secs = w.durationSeconds();
        Map<String, Object> pub = report.section("publish");
        pub.put("offeredRate", s.rate());
        pub.put("achievedRate", Ratios.rate(publisher.sentInWindow.sum(), secs));
        pub.put("published", lastSeq + 1);
        pub.put("acked", publisher.acked.sum());
        pub.put("nacked", publisher.nackedCount.sum());
        pub.put("unacknowledged", publisher.outstanding());
        pub.put("skippedBackpressure", publisher.skippedInWindow.sum());

        long lastBack = lastReattachedNanos.get();
        Map<String, Object> res = report.section("resume");
        res.put("dropped", dropped.size());
        res.put("reconnected", reopener.succeeded());
        res.put("sameConnectionId", sameId.sum());
        res.put("newConnectionId", newId.sum());
        res.put("reattached", reattached.sum());
        res.put("channelResumed", channelResumed.sum());
        res.put("channelNotResumed", channelNotResumed.sum());
        res.put("failed", reattachFailures.total());
        res.put("allBack", reattached.sum() == dropped.size());
        res.put("untilLastReattachedSeconds", lastBack == 0 ? null : (lastBack - dropNanos) / 1e9);
        res.put("resumesPerSecond", lastBack == 0 ? null : Ratios.rate(reattached.sum(), (lastBack - dropNanos) / 1e9));
        report.putErrors("resumeFailures", reattachFailures);
        report.putErrors("reconnectFailures", reopener.failures());
        Map<String, Object> times = report.section("resumeTime");
        times.put("dropToReattached", Latency.of(sinceDrop).asMap());
        times.put("reconnectToReattached", Latency.of(ownReconnect).asMap());
        times.put("reconnectToConnected", Latency.of(reopener.connectMicros()).asMap());

        continuity(report, checked, lastSeq);

        Map<String, Object> del = report.section("delivery");
        del.put("receivedTotal", received.sum());
        del.put("drainSeconds", drained);
        Map<String, Object> lat = report.section("latency");
        lat.put("all", latencyAll.total().asMap());
        lat.put("beforeDrop", latencyBefore.total().asMap());
        lat.put("replayed", latencyReplayed.total().asMap());
        lat.put("liveAfterReattach", latencyAfter.total().asMap());

        report.putErrors("errors", errors);
        if (unexpectedCloses.sum() > 0) {
            report.section("errors").put("connectionsLost", unexpectedCloses.sum());
        }
        if (probe != null) {
            Map<String, Object> server = report.section("server");
            double resumeCpu = probe.cpuSeconds(beforeDrop, afterResume);
            double resumeWall = (afterResume.nanos() - beforeDrop.nanos()) / 1e9;
            long n = reattached.sum();
            server.put("resumeWindowSeconds", resumeWall);
            server.put("cpuSecondsResumeWindow", resumeCpu);
            server.put("cpuMicrosPerResume", n > 0 ? resumeCpu * 1e6 / n : null);
            double steadyWall = (beforeDrop.nanos() - start.nanos()) / 1e9;
            Double steadyRate = steadyWall >= 0.5 ? probe.cpuSeconds(start, beforeDrop) / steadyWall : null;
            server.put("cpuPercentBeforeDrop", steadyRate == null ? null : 100 * steadyRate);
            server.put("cpuMicrosPerResumeAboveSteady",
                    steadyRate == null || n == 0 ? null : (resumeCpu - steadyRate * resumeWall) * 1e6 / n);
            Map<String, Object> whole = new LinkedHashMap<>();
            probe.describe(start, end, 0, null, whole);
            server.put("window", whole);
        }
        if (settledNanos - w.end() > 0) {
            report.section("resume").put("note", "the resume outlasted the measured window; lengthen --duration");
        }
    }

    /** The continuity section: loss, duplicates and order over the subscribers that re-attached. */
    private void continuity(Report report, List<Subscriber> checked, long lastSeq) {
        long lost = 0;
        long withLoss = 0;
        long maxLost = 0;
        long dups = 0;
        long withDups = 0;
        long late = 0;
        long maxReplayed = 0;
        List<Map<String, Object>> anomalies = new ArrayList<>();
        for (Subscriber sub : checked) {
            long missing;
            long d;
            long o;
            boolean odd;
            synchronized (sub) {
                missing = sub.seqs.missing(lastSeq) - publisher.nackedUpTo(lastSeq, sub.seqs);
                d = sub.seqs.duplicates();
                o = sub.seqs.outOfOrder();
                maxReplayed = Math.max(maxReplayed, sub.replayedHere);
                odd = missing > 0 || d > 0 || o > 0 || !sub.resumedFlag
                        || sub.newConnectionId == null || !sub.newConnectionId.equals(sub.oldConnectionId);
            }
            lost += missing;
            withLoss += missing > 0 ? 1 : 0;
            maxLost = Math.max(maxLost, missing);
            dups += d;
            withDups += d > 0 ? 1 : 0;
            late += o;
            if (odd && anomalies.size() < ANOMALIES_SHOWN) {
                anomalies.add(sub.describe(lastSeq));
            }
        }
        Map<String, Object> c = report.section("continuity");
        c.put("subscribersChecked", checked.size());
        c.put("lost", lost);
        c.put("subscribersWithLoss", withLoss);
        c.put("maxLostPerSubscriber", maxLost);
        c.put("duplicates", dups);
        c.put("subscribersWithDuplicates", withDups);
        c.put("outOfOrder", late);
        c.put("replayed", replayed.sum());
        c.put("maxReplayedPerSubscriber", maxReplayed);
        c.put("discardedBeforeAttached", discardedBeforeAttached.sum());
        c.put("unsequenced", unsequenced.sum());
        boolean ok = lost == 0 && dups == 0 && late == 0 && discardedBeforeAttached.sum() == 0 && !checked.isEmpty();
        c.put("verdict", ok ? "ok: every re-attached subscriber got every message once, in order"
                : "FAILED: " + (checked.isEmpty() ? "no subscriber re-attached" : String.format(
                        "%d lost, %d duplicated, %d out of order, %d discarded before ATTACHED",
                        lost, dups, late, discardedBeforeAttached.sum())));
        if (!anomalies.isEmpty()) {
            report.put("anomalies", anomalies);
        }
    }

    private boolean complete(List<Subscriber> checked, long lastSeq) {
        for (Subscriber sub : checked) {
            synchronized (sub) {
                if (sub.seqs.missing(lastSeq) > 0) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void await(List<CompletableFuture<Void>> futures, long millis) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                    .get(Math.max(1, millis), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // reported per subscriber by the caller
        }
    }

    private void closeAll(List<Subscriber> subs, List<Connection> setUp) {
        List<Connection> open = new ArrayList<>();
        for (Connection c : setUp) {
            if (c.isOpen()) {
                open.add(c);
            }
        }
        for (Subscriber sub : subs) {
            synchronized (sub) {
                if (sub.conn != null && sub.dropping) {
                    open.add(sub.conn);
                }
            }
        }
        ctx.progress().show(() -> "closing " + open.size() + " connections");
        RunContext.closeAll(open, 5000);
    }

    private String progressLine(long[] last) {
        Window w = window;
        long now = System.nanoTime();
        long sent = publisher.lastSent + 1;
        long recv = received.sum();
        Marks m = marks;
        String phase = w == null ? "setup" : m.dropped() && !m.settled() ? "resume" : w.phase(now);
        String line = String.format("%-7s pub %,6d/s  deliver %,9d/s  re-attached %,d (resumed %,d)  errors %d",
                phase, sent - last[0], recv - last[1], reattached.sum(), channelResumed.sum(),
                errors.total() + reattachFailures.total() + unexpectedCloses.sum());
        last[0] = sent;
        last[1] = recv;
        return line;
    }
}
