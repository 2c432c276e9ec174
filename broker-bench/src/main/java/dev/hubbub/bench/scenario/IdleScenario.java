package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.report.Latency;
import dev.hubbub.bench.report.Ratios;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.report.ServerProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Holds K idle connections (optionally each attached to one of N channels) for the measured
 * window and reports how many survive; with --server-pid, the broker's RSS growth per connection
 * (baseline taken before the first connection, final figure after the hold) and its CPU while idle.
 */
public final class IdleScenario {
    public record Settings(int connections, int attachChannels) { }

    private final Settings s;
    private final RunContext ctx;
    private final LongAdder lost = new LongAdder();
    private final ErrorCounts errors = new ErrorCounts();

    public IdleScenario(Settings settings, RunContext ctx) {
        this.s = settings;
        this.ctx = ctx;
    }

    private final ConnectionListener listener = new ConnectionListener() {
        @Override
        public void onError(Connection c, InboundFrame f) {
            errors.add(f.errorKey(), 1, f.errorMessage());
        }

        @Override
        public void onClosed(Connection c, boolean requested) {
            if (!requested) {
                lost.increment();
            }
        }
    };

    public Report run() {
        Report report = new Report("idle");
        Map<String, Object> config = report.section("config");
        config.put("connections", s.connections());
        config.put("attachChannels", s.attachChannels());
        config.put("holdSeconds", ctx.durationSeconds());
        config.put("settleSeconds", ctx.warmupSeconds());

        ServerProbe.Sample baseline = ctx.probe() == null ? null : ctx.probe().sample();
        ConnectionOpener opener = ctx.openWithKey(i -> null, true, i -> listener);
        ctx.progress().show(() -> String.format("opening: %,d / %,d connected, %d failed", opener.succeeded(),
                s.connections(), opener.failures().total()));
        List<Connection> conns = opener.open(s.connections(), ctx.setupConcurrency(), ctx.deadline());
        ErrorCounts attachFailures = attach(conns);

        Map<String, Object> res = report.section("connections");
        res.put("connected", opener.succeeded());
        res.put("openSeconds", opener.elapsedSeconds());
        res.put("connectsPerSecond", Ratios.rate(opener.succeeded(), opener.elapsedSeconds()));
        res.put("unfinished", opener.unfinished());
        report.putErrors("connectFailures", opener.failures());
        if (s.attachChannels() > 0) {
            report.putErrors("attachFailures", attachFailures);
        }
        report.section("connectTime").putAll(Latency.of(opener.connectMicros()).asMap());

        long settleEnd = System.nanoTime() + (long) (ctx.warmupSeconds() * 1e9);
        ctx.progress().show(() -> String.format("settling: %,d open, %d lost", open(conns), lost.sum()));
        ctx.sleepUntil(settleEnd);
        ServerProbe.Sample held = ctx.probe() == null ? null : ctx.probe().sample();
        long holdEnd = System.nanoTime() + (long) (ctx.durationSeconds() * 1e9);
        ctx.progress().show(() -> String.format("holding: %,d open, %d lost, errors %s", open(conns), lost.sum(),
                errors.describe()));
        long holdStart = System.nanoTime();
        ctx.sleepUntil(holdEnd);
        ServerProbe.Sample end = ctx.probe() == null ? null : ctx.probe().sample();

        Map<String, Object> hold = report.section("hold");
        hold.put("heldSeconds", (System.nanoTime() - holdStart) / 1e9);
        if (System.nanoTime() < holdEnd) {
            report.put("result", "cut short by --max-time");
        }
        hold.put("openAtEnd", open(conns));
        hold.put("lostDuringRun", lost.sum());
        report.putErrors("errors", errors);
        if (baseline != null) {
            Map<String, Object> server = report.section("server");
            server.put("rssBaselineKb", baseline.rssKb());
            server.put("rssAfterSettleKb", held.rssKb());
            server.put("rssAfterHoldKb", end.rssKb());
            long growth = end.rssKb() - baseline.rssKb();
            server.put("rssGrowthKb", growth);
            server.put("rssGrowthPerConnectionKb", conns.isEmpty() ? null : (double) growth / conns.size());
            server.put("cpuSecondsOpening", ctx.probe().cpuSeconds(baseline, held));
            server.put("cpuSecondsHolding", ctx.probe().cpuSeconds(held, end));
            server.put("note", "RSS includes the broker JVM's heap growth; compare runs with the same -Xmx/-Xms");
        }
        ctx.progress().show(() -> "closing " + conns.size() + " connections");
        RunContext.closeAll(conns, 10_000);
        if (conns.isEmpty()) {
            report.put("result", "no connection succeeded");
        }
        return report;
    }

    private ErrorCounts attach(List<Connection> conns) {
        ErrorCounts failures = new ErrorCounts();
        if (s.attachChannels() <= 0) {
            return failures;
        }
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < conns.size(); i++) {
            pending.add(conns.get(i).attach("bench-idle-" + (i % s.attachChannels()))
                    .whenComplete((ok, e) -> {
                        if (e != null) {
                            failures.add(BenchFailure.codeOf(e), 1, BenchFailure.messageOf(e));
                        }
                    }));
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                    .get(ctx.deadline().remainingMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            failures.add("timeout");
        }
        return failures;
    }

    private static long open(List<Connection> conns) {
        return conns.stream().filter(Connection::isOpen).count();
    }
}
