package dev.hubbub.bench.scenario;

import dev.hubbub.bench.auth.ApiKey;
import dev.hubbub.bench.client.Actions;
import dev.hubbub.bench.client.BenchClient;
import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.report.LatencyRecorder;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.run.Window;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A late attacher: times ATTACH to ATTACHED and to the last SYNC page (channelSerial
 * "syncId:" with an empty cursor, or none), counting members and pages; afterwards it times
 * the presence events of the churn phase from the stamps in their data.
 */
final class SyncObserver implements ConnectionListener {
    private final String channel;
    private final double timeoutSeconds;
    private final RunContext ctx;
    private final CompletableFuture<Void> synced = new CompletableFuture<>();
    private final LatencyRecorder churnLatency = new LatencyRecorder();
    private final LongAdder churnReceived = new LongAdder();
    private final LongAdder receivedInWindow = new LongAdder();
    // by Window.slot (before, in, after the window), the middle ones reported: no branch turns at the
    // window's start in the per-event path (see Window.slot)
    private final LatencyRecorder[] latencyBy = {new LatencyRecorder(), churnLatency, new LatencyRecorder()};
    private final LongAdder[] receivedBy = {new LongAdder(), receivedInWindow, new LongAdder()};
    private final LongAdder unstamped = new LongAdder();
    private volatile Window window;
    private volatile long syncDoneNanos;
    private volatile int pages;
    private volatile int members;
    private volatile boolean syncPagesMalformed;
    private Connection connection;

    SyncObserver(String channel, double timeoutSeconds, RunContext ctx) {
        this.channel = channel;
        this.timeoutSeconds = timeoutSeconds;
        this.ctx = ctx;
    }

    Connection connection() { return connection; }
    LatencyRecorder churnLatency() { return churnLatency; }
    long churnReceived() { return churnReceived.sum(); }
    long receivedInWindow() { return receivedInWindow.sum(); }
    long unstamped() { return unstamped.sum(); }

    void window(Window w) {
        this.window = w;
    }

    /** Connects to {@code node}, attaches and waits for the SYNC to complete; returns this run's figures. */
    Map<String, Object> measure(BenchClient client, int node, ApiKey key, String clientId, long expectedMembers) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (client.endpoints().size() > 1) {
            out.put("node", node + " " + client.endpoints().get(node));
        }
        long timeoutMs = Math.min(ctx.deadline().remainingMillis(), (long) (timeoutSeconds * 1000));
        Connection c = client.open(node, Endpoint.Credentials.key(key.full(), clientId), this);
        try {
            c.connected().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            out.put("result", "connect failed: " + BenchFailure.codeOf(e));
            c.abort();
            return out;
        }
        connection = c;
        long t0 = System.nanoTime();
        InboundFrame attached;
        try {
            attached = c.attach(channel).get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            out.put("result", "attach failed: " + BenchFailure.codeOf(e));
            return out;
        }
        long attachedNanos = attached.receivedNanos();
        boolean hasPresence = (attached.flags() & Actions.HAS_PRESENCE) != 0;
        out.put("attachMs", (attachedNanos - t0) / 1e6);
        out.put("hasPresenceFlag", hasPresence);
        // without HAS_PRESENCE no SYNC is due; wait a little anyway, in case the flag is what is missing
        long wait = hasPresence ? timeoutMs : Math.min(timeoutMs, 500);
        try {
            synced.get(wait, TimeUnit.MILLISECONDS);
            out.put("syncMs", (syncDoneNanos - t0) / 1e6);
        } catch (Exception e) {
            out.put("syncMs", null);
        }
        out.put("pages", pages);
        out.put("members", members);
        out.put("expectedMembers", expectedMembers);
        boolean complete = synced.isDone() ? members == expectedMembers : expectedMembers == 0 && !hasPresence;
        out.put("complete", complete);
        if (syncPagesMalformed) {
            out.put("warning", "SYNC channelSerial not of the form syncId:cursor");
        }
        if (!complete) {
            out.put("result", !hasPresence && expectedMembers > 0 ? "ATTACHED lacked HAS_PRESENCE"
                    : synced.isDone() ? "SYNC listed " + members + " of " + expectedMembers + " members"
                    : "SYNC did not complete within " + wait + " ms");
        }
        return out;
    }

    @Override
    public void onSync(Connection c, InboundFrame f) {
        if (!channel.equals(f.channel()) || synced.isDone()) {
            return;
        }
        pages++;
        members += f.items();
        String serial = f.channelSerial();
        if (serial != null && !serial.matches("[A-Za-z0-9_-]+:.*")) {
            syncPagesMalformed = true;
        }
        if (f.isLastSyncPage()) {
            syncDoneNanos = System.nanoTime();
            synced.complete(null);
        }
    }

    @Override
    public void onPresence(Connection c, InboundFrame f) {
        long now = System.nanoTime();
        Window w = window;
        churnReceived.add(f.items());
        for (int i = 0; i < f.items(); i++) {
            long stamp = f.stamp(i);
            if (stamp == Payload.NO_STAMP) {
                unstamped.increment();
            } else if (w != null) {
                int slot = w.slot(stamp);
                receivedBy[slot].increment();
                latencyBy[slot].recordNanos(now - stamp);
            }
        }
    }

    /** Min / median / max SYNC time over the runs that completed, and whether all were complete. */
    static Map<String, Object> summarise(List<Map<String, Object>> runs) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Double> times = new ArrayList<>();
        boolean allComplete = !runs.isEmpty();
        for (Map<String, Object> r : runs) {
            if (r.get("syncMs") instanceof Double d) {
                times.add(d);
            }
            allComplete &= Boolean.TRUE.equals(r.get("complete"));
        }
        times.sort(Double::compare);
        out.put("syncMsMin", times.isEmpty() ? null : times.get(0));
        out.put("syncMsMedian", times.isEmpty() ? null : times.get(times.size() / 2));
        out.put("syncMsMax", times.isEmpty() ? null : times.get(times.size() - 1));
        out.put("allComplete", allComplete);
        return out;
    }
}
