package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.BenchClient;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.report.ServerProbe;
import dev.hubbub.bench.run.Pacer;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.run.SequenceTracker;
import dev.hubbub.bench.run.Window;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

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
 *
 * <p>This class runs the timeline; the subscribers and their resume are a {@link ResumeFleet} of
 * {@link ResumeSubscriber}s, the publisher a {@link SequencedPublisher}, the counting and most of
 * the report a {@link ResumeTally}.
 */
public final class ResumeScenario {
    public record Settings(int subscribers, String channel, double rate, int size, double dropAfterSeconds,
                           boolean reset, int resumeConcurrency, double resumeTimeoutSeconds, double drainSeconds,
                           long tickMicros) { }

    private final Settings s;
    private final RunContext ctx;
    private final ResumeTally tally = new ResumeTally();
    private final ResumeFleet fleet;
    private final SequencedPublisher publisher;

    public ResumeScenario(Settings settings, RunContext ctx) {
        this.s = settings;
        this.ctx = ctx;
        this.fleet = new ResumeFleet(settings, ctx, tally);
        this.publisher = new SequencedPublisher(settings.channel(), new Payload(settings.size()), settings.rate(),
                settings.tickMicros(), tally);
    }

    /** True when the report says every re-attached subscriber got every message once and in order. */
    public static boolean continuityKept(Report report) {
        Object c = report.asMap().get("continuity");
        return !(c instanceof Map<?, ?> m) || !String.valueOf(m.get("verdict")).startsWith("FAILED");
    }

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

        List<Connection> all = new ArrayList<>();
        // the publisher on its own event loop: 10,000 reconnect handshakes on the subscribers' loops
        // must not hold up its pacing
        try (BenchClient pubClient = new BenchClient(ctx.client().endpoint(), ctx.client().codec().format(), 1, 1)) {
            if (!setUp(all, pubClient, report)) {
                report.put("result", "aborted: the publisher did not connect or no subscriber attached");
                closeAll(all);
                return report;
            }
            traffic(report);
            closeAll(all);
        }
        return report;
    }

    private boolean setUp(List<Connection> all, BenchClient pubClient, Report report) {
        long t0 = System.nanoTime();
        ConnectionOpener opener = fleet.open(all);
        int attached = fleet.live();

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

    private void traffic(Report report) {
        Pacer pacer = new Pacer(List.of(publisher));
        long[] last = new long[2];
        ctx.progress().show(() -> progressLine(last));
        Window w = Window.startingNow(ctx.warmupSeconds(), ctx.durationSeconds());
        tally.window(w);
        pacer.start(s.tickMicros());
        ServerProbe probe = ctx.probe();

        ctx.sleepUntil(w.start());
        ServerProbe.Sample start = probe == null ? null : probe.sample();
        ctx.sleepUntil(w.start() + Window.seconds(s.dropAfterSeconds()));
        ServerProbe.Sample beforeDrop = probe == null ? null : probe.sample();

        // the drop: every attached subscriber at once; the resume, at most resumeConcurrency reconnects in flight
        long dropNanos = fleet.drop();
        ConnectionOpener reopener = fleet.resume();
        ServerProbe.Sample afterResume = probe == null ? null : probe.sample();
        long settledNanos = System.nanoTime();

        ctx.sleepUntil(w.end());
        ServerProbe.Sample end = probe == null ? null : probe.sample();
        w = RunContext.cutShortIfNeeded(w, report);
        tally.window(w);
        pacer.stop();

        // drain: until every re-attached subscriber has everything the publisher sent, and all is ACKed
        List<ResumeSubscriber> checked = fleet.reattached();
        long lastSeq = publisher.lastSent();
        long drainUntil = ctx.deadline().within(Window.seconds(s.drainSeconds()));
        while (System.nanoTime() < drainUntil
                && !(publisher.outstanding() <= 0 && ResumeFleet.complete(checked, lastSeq))) {
            ctx.sleepUntil(Math.min(drainUntil, System.nanoTime() + 20_000_000L));
        }
        double drained = (System.nanoTime() - w.end()) / 1e9;

        publisher.putPublish(report, s.rate(), w.durationSeconds(), lastSeq);
        tally.putResume(report, fleet.dropped().size(), reopener, dropNanos);
        tally.putContinuity(report, checked, lastSeq, publisher);
        tally.putDelivery(report, drained);
        if (probe != null) {
            putServer(report, probe, start, beforeDrop, afterResume, end);
        }
        if (settledNanos - w.end() > 0) {
            report.section("resume").put("note", "the resume outlasted the measured window; lengthen --duration");
        }
    }

    /** The broker's CPU for the resume, per resume and above its steady rate before the drop, and over the window. */
    private void putServer(Report report, ServerProbe probe, ServerProbe.Sample start, ServerProbe.Sample beforeDrop,
                           ServerProbe.Sample afterResume, ServerProbe.Sample end) {
        Map<String, Object> server = report.section("server");
        double resumeCpu = probe.cpuSeconds(beforeDrop, afterResume);
        double resumeWall = (afterResume.nanos() - beforeDrop.nanos()) / 1e9;
        long n = tally.reattached();
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

    private void closeAll(List<Connection> setUp) {
        List<Connection> open = new ArrayList<>();
        for (Connection c : setUp) {
            if (c.isOpen()) {
                open.add(c);
            }
        }
        open.addAll(fleet.resumedConnections());
        ctx.progress().show(() -> "closing " + open.size() + " connections");
        RunContext.closeAll(open, 5000);
    }

    private String progressLine(long[] last) {
        Window w = tally.window();
        long now = System.nanoTime();
        long sent = publisher.lastSent() + 1;
        long recv = tally.received.sum();
        String phase = w == null ? "setup" : fleet.resuming() ? "resume" : w.phase(now);
        String line = String.format("%-7s pub %,6d/s  deliver %,9d/s  re-attached %,d (resumed %,d)  errors %d",
                phase, sent - last[0], recv - last[1], tally.reattached(), tally.channelResumed(), tally.errorsTotal());
        last[0] = sent;
        last[1] = recv;
        return line;
    }
}
