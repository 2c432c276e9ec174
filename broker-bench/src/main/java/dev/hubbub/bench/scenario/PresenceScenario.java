package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.Actions;
import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.report.Latency;
import dev.hubbub.bench.report.LatencyRecorder;
import dev.hubbub.bench.report.Ratios;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.report.ServerProbe;
import dev.hubbub.bench.run.Pacer;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.run.SlotSerials;
import dev.hubbub.bench.run.Window;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * Presence: M members (clientIds member-0..M-1) attach to one channel and enter; then a late
 * attacher measures ATTACH to the last SYNC page (repeated), and stays attached while members
 * leave and re-enter at the churn rate; it times each presence event from the stamp in its data.
 *
 * <p>With several nodes, member {@code i} connects to node {@code i % nodes} and late attacher
 * {@code r} to node {@code r % nodes} (the churn is timed by the last one).
 *
 * <p>By default members attach with the PRESENCE mode only, so they do not receive each other's
 * events (that would be M x churn deliveries); presence events they receive anyway are counted.
 */
public final class PresenceScenario {
    public record Settings(int members, String channel, int syncRepeats, double churnRate, int size,
                           boolean membersSubscribe, double syncTimeoutSeconds, long tickMicros, double drainSeconds) { }

    private final Settings s;
    private final RunContext ctx;
    private final Payload payload;
    private final ErrorCounts errors = new ErrorCounts();
    private final LongAdder entered = new LongAdder();
    private final LongAdder enterRejected = new LongAdder();
    private final LongAdder churnSent = new LongAdder();
    private final LongAdder churnAcked = new LongAdder();
    private final LongAdder churnNacked = new LongAdder();
    private final LongAdder churnSkipped = new LongAdder();
    /** Skipped operations by Window.slot; the middle one is reported. */
    private final LongAdder[] skippedBy = {new LongAdder(), churnSkipped, new LongAdder()};
    private final LongAdder memberEvents = new LongAdder();
    private final LongAdder lost = new LongAdder();
    private final Histogram enterAck = new SynchronizedHistogram(Latency.HIGHEST_MICROS, 3);
    private volatile Window window;

    public PresenceScenario(Settings settings, RunContext ctx) {
        this.s = settings;
        this.ctx = ctx;
        this.payload = new Payload(settings.size());
    }

    /** One member; fields other than the counters are owned by its connection's event loop. */
    private final class Member implements ConnectionListener {
        Connection conn;
        boolean present;
        long enterSerial = -1;
        long enterSent;
        /** The serials this member sent, by window slot (read by other threads). */
        final SlotSerials serials = new SlotSerials();

        void enter() {
            conn.onLoop(() -> {
                present = true;
                enterSent = System.nanoTime();
                enterSerial = conn.presence(s.channel(), Actions.ENTER, payload.encode(enterSent), true);
            });
        }

        /** One churn operation (leave if present, else enter); on the loop. */
        void toggle(Window w) {
            long stamp = System.nanoTime();
            long serial = conn.presence(s.channel(), present ? Actions.LEAVE : Actions.ENTER, payload.encode(stamp), true);
            present = !present;
            churnSent.increment();
            serials.sent(w.slot(stamp), serial);
        }

        @Override
        public void onAck(Connection c, long msgSerial, int count) {
            if (Ratios.overlap(msgSerial, count, enterSerial, enterSerial) > 0) {
                entered.increment();
                enterAck.recordValue(Latency.clampMicros(System.nanoTime() - enterSent));
            }
            churnAcked.add(Ratios.overlap(msgSerial, count, serials.firstInWindow(), serials.lastInWindow()));
        }

        @Override
        public void onNack(Connection c, long msgSerial, int count, InboundFrame f) {
            errors.add("nack-" + f.errorKey(), count, f.errorMessage());
            if (Ratios.overlap(msgSerial, count, enterSerial, enterSerial) > 0) {
                enterRejected.increment();
            }
            churnNacked.add(Ratios.overlap(msgSerial, count, serials.firstInWindow(), serials.lastInWindow()));
        }

        @Override
        public void onPresence(Connection c, InboundFrame f) {
            memberEvents.add(f.items());
        }

        @Override
        public void onSync(Connection c, InboundFrame f) {
            memberEvents.add(f.items());
        }

        @Override
        public void onError(Connection c, InboundFrame f) {
            errors.add("member-" + f.errorKey(), 1, f.errorMessage());
        }

        @Override
        public void onClosed(Connection c, boolean requested) {
            if (!requested) {
                lost.increment();
            }
        }
    }

    /** Paces churn for the members whose connections live on one event loop. */
    private final class Lane implements Pacer.Paced {
        final EventLoop loop;
        final List<Member> members = new ArrayList<>();
        double rate;
        long issued;
        int next;

        Lane(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public void tick(long now) {
            Window w = window;
            if (w == null || w.isOver(now)) {
                return;
            }
            long backlog = Pacer.due(now - w.trafficStart(), rate) - issued;
            issued += Math.max(0, backlog);
            for (long i = 0; i < backlog; i++) {
                Member m = members.get(next++ % members.size());
                if (m.conn.isOpen() && m.conn.isWritable()) {
                    m.toggle(w);
                } else {
                    skippedBy[w.slot(now)].increment();
                }
            }
        }
    }

    public Report run() {
        Report report = new Report("presence");
        Map<String, Object> config = report.section("config");
        config.put("members", s.members());
        config.put("channel", s.channel());
        config.put("syncRepeats", s.syncRepeats());
        config.put("churnRate", s.churnRate());
        config.put("membersSubscribe", s.membersSubscribe());
        config.put("format", ctx.client().codec().format().param());

        List<Member> members = new ArrayList<>();
        for (int i = 0; i < s.members(); i++) {
            members.add(new Member());
        }
        long t0 = System.nanoTime();
        ConnectionOpener opener = ctx.openWithKey(i -> "member-" + i, true, members::get).onNodes(ctx::roundRobinNode);
        ctx.progress().show(() -> String.format("members: %,d connected, %,d entered, %d rejected", opener.succeeded(),
                entered.sum(), enterRejected.sum()));
        opener.open(s.members(), ctx.setupConcurrency(), ctx.deadline());
        Map<String, Object> m = report.section("members");
        ErrorCounts attachFailures = new ErrorCounts();
        long enterStart = System.nanoTime();
        List<Member> attached = attachAndEnter(members, opener, attachFailures);
        double enterSeconds = (System.nanoTime() - enterStart) / 1e9;
        m.put("connected", opener.succeeded());
        ctx.putConnectedPerNode(m, "connectedPerNode", opener);
        m.put("unfinished", opener.unfinished());
        m.put("attached", attached.size());
        m.put("entered", entered.sum());
        m.put("enterRejected", enterRejected.sum());
        m.put("attachAndEnterSeconds", enterSeconds);
        m.put("entersPerSecond", Ratios.rate(entered.sum(), enterSeconds));
        m.put("setupSeconds", (System.nanoTime() - t0) / 1e9);
        report.putErrors("connectFailures", opener.failures());
        report.putErrors("attachFailures", attachFailures);
        report.section("enterAckTime").putAll(Latency.of(enterAck).asMap());

        SyncObserver observer = null;
        List<Map<String, Object>> runs = new ArrayList<>();
        List<Connection> extra = new ArrayList<>();
        for (int r = 0; r < s.syncRepeats() && !ctx.deadline().expired(); r++) {
            SyncObserver o = new SyncObserver(s.channel(), Math.max(0, s.syncTimeoutSeconds()), ctx);
            Map<String, Object> one = o.measure(ctx.client(), ctx.roundRobinNode(r), ctx.key(), "observer-" + r, entered.sum());
            runs.add(one);
            if (o.connection() != null) {
                if (observer != null) {
                    observer.connection().requestClose();
                }
                extra.add(o.connection());
                observer = o;
            }
        }
        Map<String, Object> sync = report.section("sync");
        sync.put("runs", runs);
        sync.putAll(SyncObserver.summarise(runs));

        if (observer != null && entered.sum() > 0 && s.churnRate() > 0) {
            churn(attached, observer, report);
        }
        report.putErrors("errors", errors);
        if (lost.sum() > 0) {
            report.section("errors").put("connectionsLost", lost.sum());
        }
        // members see their own events (RTP17a) even without PRESENCE_SUBSCRIBE; more than that means modes are ignored
        report.section("members").put("presenceItemsReceivedByMembers", memberEvents.sum());
        List<Connection> all = new ArrayList<>(extra);
        members.stream().filter(x -> x.conn != null).forEach(x -> all.add(x.conn));
        ctx.progress().show(() -> "closing " + all.size() + " connections");
        RunContext.closeAll(all, 5000);
        if (attached.isEmpty()) {
            report.put("result", "no member could attach");
        } else if (entered.sum() == 0) {
            report.put("result", "no member could enter presence (see errors); SYNC and churn not measured");
        }
        return report;
    }

    private List<Member> attachAndEnter(List<Member> members, ConnectionOpener opener, ErrorCounts attachFailures) {
        List<Member> attached = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<?>> pending = new ArrayList<>();
        long flags = s.membersSubscribe() ? 0 : Actions.MODE_PRESENCE;
        for (int i = 0; i < members.size(); i++) {
            Connection c = opener.at(i);
            if (c == null) {
                continue;
            }
            Member member = members.get(i);
            member.conn = c;
            pending.add(c.attach(s.channel(), flags).whenComplete((ok, e) -> {
                if (e != null) {
                    attachFailures.add(BenchFailure.codeOf(e), 1, BenchFailure.messageOf(e));
                } else {
                    attached.add(member);
                    member.enter();
                }
            }));
        }
        long limit = Math.min(ctx.deadline().remainingMillis(), 60_000);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limit);
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                    .get(limit, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            attachFailures.add("timeout");
        }
        while (entered.sum() + enterRejected.sum() < attached.size() && System.nanoTime() < until && lost.sum() == 0) {
            ctx.sleepUntil(System.nanoTime() + 10_000_000L);
        }
        synchronized (attached) {
            return new ArrayList<>(attached);
        }
    }

    private void churn(List<Member> attached, SyncObserver observer, Report report) {
        Map<EventLoop, Lane> lanes = new LinkedHashMap<>();
        for (Member m : attached) {
            lanes.computeIfAbsent(m.conn.eventLoop(), Lane::new).members.add(m);
        }
        lanes.values().forEach(l -> l.rate = s.churnRate() * l.members.size() / attached.size());
        LatencyRecorder latency = observer.churnLatency();
        long[] last = new long[2];
        ctx.progress().show(() -> {
            Window w = window;
            long sent = churnSent.sum();
            long got = observer.churnReceived();
            String line = String.format("churn %-7s ops %,6d/s  events at observer %,6d/s  errors %d",
                    w == null ? "-" : w.phase(System.nanoTime()), sent - last[0], got - last[1], errors.total());
            last[0] = sent;
            last[1] = got;
            return line;
        });
        Pacer pacer = new Pacer(new ArrayList<>(lanes.values()));
        Window w = Window.startingNow(ctx.warmupSeconds(), ctx.durationSeconds());
        window = w;
        observer.window(w);
        pacer.start(s.tickMicros());
        ctx.sleepUntil(w.start());
        ServerProbe.Sample before = ctx.probe() == null ? null : ctx.probe().sample();
        ctx.sleepUntil(w.end());
        ServerProbe.Sample after = ctx.probe() == null ? null : ctx.probe().sample();
        w = RunContext.cutShortIfNeeded(w, report);
        window = w;
        observer.window(w);
        pacer.stop();
        long drainUntil = ctx.deadline().within(Window.seconds(s.drainSeconds()));
        while (System.nanoTime() < drainUntil
                && (observer.receivedInWindow() < expectedChurn(lanes) || churnAcked.sum() + churnNacked.sum() < opsInWindow(lanes))) {
            ctx.sleepUntil(Math.min(drainUntil, System.nanoTime() + 20_000_000L));
        }
        Map<String, Object> c = report.section("churn");
        long ops = opsInWindow(lanes);
        c.put("offeredRate", s.churnRate());
        c.put("achievedRate", Ratios.rate(ops, w.durationSeconds()));
        c.put("operations", ops);
        c.put("acked", churnAcked.sum());
        c.put("nacked", churnNacked.sum());
        c.put("skipped", churnSkipped.sum());
        c.put("expectedEvents", expectedChurn(lanes));
        c.put("receivedEvents", observer.receivedInWindow());
        c.put("deliveryRatio", Ratios.deliveryRatio(observer.receivedInWindow(), expectedChurn(lanes)));
        c.put("unstampedEvents", observer.unstamped());
        report.section("churnLatency").putAll(latency.total().asMap());
        if (before != null) {
            ctx.probe().describe(before, after, ops, "cpuMicrosPerOperation", report.section("server"));
        }
    }

    private long opsInWindow(Map<EventLoop, Lane> lanes) {
        long n = 0;
        for (Lane l : lanes.values()) {
            for (Member m : l.members) {
                n += m.serials.inWindow();
            }
        }
        return n;
    }

    /** Every accepted operation in the window should reach the observer once. */
    private long expectedChurn(Map<EventLoop, Lane> lanes) {
        return Ratios.expectedDeliveries(opsInWindow(lanes), churnNacked.sum(), 1);
    }
}
