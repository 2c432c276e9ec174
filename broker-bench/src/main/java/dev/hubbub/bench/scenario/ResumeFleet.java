package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.run.Deadline;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The subscribers of a resume run, and their drop and resume: opens and attaches them, drops
 * every attached one's transport at once (TCP close or reset, no CLOSE, no WebSocket close frame),
 * then reconnects them with {@code resume=<connectionKey>}, at most {@code resumeConcurrency} at a
 * time, and knows when every dropped subscriber is settled (back, or given up on).
 */
final class ResumeFleet {
    /** When the drop happened, and whether every dropped subscriber is settled (back or given up). */
    private record Marks(boolean dropped, long drop, boolean settled) {
        static final Marks BEFORE = new Marks(false, 0, false);
    }

    private final ResumeScenario.Settings s;
    private final RunContext ctx;
    private final List<ResumeSubscriber> subs;
    private final AtomicInteger awaitingReattach = new AtomicInteger();
    private volatile Marks marks = Marks.BEFORE;
    private List<ResumeSubscriber> dropped = List.of();

    ResumeFleet(ResumeScenario.Settings settings, RunContext ctx, ResumeTally tally) {
        this.s = settings;
        this.ctx = ctx;
        this.subs = new ArrayList<>(settings.subscribers());
        for (int i = 0; i < settings.subscribers(); i++) {
            subs.add(new ResumeSubscriber(i, this, tally));
        }
    }

    ResumeScenario.Settings settings() {
        return s;
    }

    /** The API key the subscribers resume with. */
    String key() {
        return ctx.key().full();
    }

    /** Connects every subscriber and waits (within the run's deadline) for their ATTACHED; adds the connections to {@code all}. */
    ConnectionOpener open(List<Connection> all) {
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
        return opener;
    }

    /** Subscribers connected and attached. */
    int live() {
        return (int) subs.stream().filter(ResumeSubscriber::live).count();
    }

    /** Drops every attached subscriber's transport at once; returns when (on the nanoTime clock). */
    long drop() {
        dropped = subs.stream().filter(ResumeSubscriber::live).toList();
        awaitingReattach.set(dropped.size());
        long dropNanos = System.nanoTime();
        marks = new Marks(true, dropNanos, dropped.isEmpty());
        for (ResumeSubscriber sub : dropped) {
            sub.conn.onLoop(sub::drop);
        }
        return dropNanos;
    }

    /**
     * Reconnects the dropped subscribers, at most resumeConcurrency at a time, and waits for their
     * re-ATTACHED until --resume-timeout (or the run's deadline); gives up on the rest.
     */
    ConnectionOpener resume() {
        Deadline resumeDeadline = Deadline.unguarded(Math.min(s.resumeTimeoutSeconds(),
                Math.max(0, ctx.deadline().remainingNanos()) / 1e9));
        List<ResumeSubscriber> d = dropped;
        ConnectionOpener reopener = new ConnectionOpener(ctx.client(), i -> d.get(i).resumeCredentials(), d::get);
        reopener.open(d.size(), s.resumeConcurrency(), resumeDeadline);
        for (int i = 0; i < d.size(); i++) {
            if (reopener.at(i) == null) {
                d.get(i).failed("reconnect did not reach CONNECTED");
            }
        }
        await(d.stream().map(sub -> sub.back).toList(), resumeDeadline.remainingMillis());
        d.forEach(sub -> sub.failed("no re-ATTACHED within --resume-timeout"));
        return reopener;
    }

    /** The subscribers dropped (empty before the drop). */
    List<ResumeSubscriber> dropped() {
        return dropped;
    }

    /** The dropped subscribers that came back attached: the ones continuity is checked on. */
    List<ResumeSubscriber> reattached() {
        return dropped.stream().filter(ResumeSubscriber::reattachedOk).toList();
    }

    /** When the drop happened (on the nanoTime clock). */
    long dropNanos() {
        return marks.drop();
    }

    /** A dropped subscriber is back, or given up on. */
    void settled() {
        if (awaitingReattach.decrementAndGet() == 0) {
            marks = new Marks(true, marks.drop(), true);
        }
    }

    /** Whether the subscribers were dropped and some are not settled yet. */
    boolean resuming() {
        Marks m = marks;
        return m.dropped() && !m.settled();
    }

    /** Whether every subscriber in {@code checked} has every sequence number up to {@code lastSeq}. */
    static boolean complete(List<ResumeSubscriber> checked, long lastSeq) {
        for (ResumeSubscriber sub : checked) {
            if (!sub.hasAll(lastSeq)) {
                return false;
            }
        }
        return true;
    }

    /** The connections the subscribers resumed on (to close with the ones set up). */
    List<Connection> resumedConnections() {
        List<Connection> out = new ArrayList<>();
        for (ResumeSubscriber sub : subs) {
            Connection c = sub.resumedConnection();
            if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    private static void await(List<CompletableFuture<Void>> futures, long millis) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                    .get(Math.max(1, millis), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // reported per subscriber by the caller
        }
    }
}
