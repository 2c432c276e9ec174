package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.report.Report;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The pub/sub run over hubbub's realtime protocol: key-authenticated connections in the bench's
 * --format, ATTACH per subscriber, MESSAGE per publish, ACKed or NACKed by msgSerial.
 */
final class AblyWire implements PubSubScenario.Wire {
    private final RunContext ctx;

    AblyWire(RunContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public String protocol() {
        return "ably";
    }

    @Override
    public String format() {
        return ctx.client().codec().format().param();
    }

    @Override
    public boolean acknowledged() {
        return true;
    }

    @Override
    public PubSubScenario.Opened open(PubSubScenario run, List<PubSubScenario.Publisher> publishers, Report report) {
        PubSubScenario.Settings s = run.settings();
        long setupStart = System.nanoTime();
        int subCount = s.channels() * s.subscribersPerChannel();
        ctx.progress().show(() -> "setup: " + ctx.client().opened() + " connections opened");
        ConnectionOpener subOpener = ctx.openWithKey(i -> null, true, run::subscriberListener).onNodes(run::nodeOf);
        List<Connection> subs = subOpener.open(subCount, ctx.setupConcurrency(), ctx.deadline());
        ErrorCounts attachErrors = attach(run, subOpener, subCount);

        int pubCount = publishers.size();
        ConnectionOpener pubOpener = ctx.openWithKey(i -> null, false, publishers::get).onNodes(run::publisherNodeOf);
        List<Connection> pubConns = pubOpener.open(pubCount, ctx.setupConcurrency(), ctx.deadline());
        List<PubSubScenario.Publisher> live = new ArrayList<>();
        for (int j = 0; j < pubCount; j++) {
            Connection c = pubOpener.at(j);
            if (c != null) {
                publishers.get(j).bind(new ConnectionSender(c));
                live.add(publishers.get(j));
            }
        }
        Map<String, Object> conns = report.section("connections");
        conns.put("subscribersConnected", subs.size() + " / " + subCount);
        conns.put("subscribersAttached", run.attachedSubscribers());
        conns.put("publishersConnected", live.size() + " / " + pubCount);
        conns.put("setupSeconds", (System.nanoTime() - setupStart) / 1e9);
        conns.put("unfinished", subOpener.unfinished() + pubOpener.unfinished());
        report.putErrors("connectFailures", ErrorCounts.merged(subOpener.failures(), pubOpener.failures()));
        report.putErrors("attachFailures", attachErrors);
        List<Connection> all = new ArrayList<>(subs);
        all.addAll(pubConns);
        return new PubSubScenario.Opened(live, waitMillis -> RunContext.closeAll(all, waitMillis));
    }

    /** ATTACHes subscriber {@code i} to its channel, for every subscriber that connected. */
    private ErrorCounts attach(PubSubScenario run, ConnectionOpener opener, int count) {
        ErrorCounts failures = new ErrorCounts();
        List<CompletableFuture<?>> pending = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Connection c = opener.at(i);
            if (c == null) {
                continue;
            }
            int subscriber = i;
            pending.add(c.attach(run.channelOf(i))
                    .orTimeout(Math.max(1, ctx.deadline().remainingMillis()), TimeUnit.MILLISECONDS)
                    .whenComplete((ok, e) -> {
                        if (e == null) {
                            run.subscribed(subscriber);
                        } else {
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

    /** A hubbub connection as a publisher's sender: MESSAGE named "bench", ACKed by msgSerial. */
    private record ConnectionSender(Connection c) implements PubSubScenario.Sender {
        @Override
        public EventLoop eventLoop() {
            return c.eventLoop();
        }

        @Override
        public boolean isOpen() {
            return c.isOpen();
        }

        @Override
        public boolean isWritable() {
            return c.isWritable();
        }

        @Override
        public long send(String channel, String data) {
            return c.publish(channel, "bench", data, false);
        }

        @Override
        public void flush() {
            c.flush();
        }
    }
}
