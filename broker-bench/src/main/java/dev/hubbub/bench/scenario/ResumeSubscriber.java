package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.Actions;
import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.run.SequenceTracker;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One subscriber of a resume run across its two connections (before and after the drop). Like
 * ably-js it ATTACHes on every CONNECTED with the last channelSerial it saw (RTL3d) and ignores a
 * MESSAGE while its channel is not attached (RTL17); it accounts for the sequence numbers it got
 * ({@link SequenceTracker}) and for how its resume went. Its state is guarded by its own lock: the
 * connections may run on different event loops, and the main thread reads the figures at the end.
 */
final class ResumeSubscriber extends CountingListener {
    /** What a re-attached subscriber got of the sequence numbers up to the last one sent. */
    record Continuity(long missing, long duplicates, long outOfOrder, long replayed, boolean odd) { }

    /** Completes when its first ATTACH is answered (either way). */
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    /** Completes when, after the drop, it is settled: re-attached, or given up on. */
    final CompletableFuture<Void> back = new CompletableFuture<>();
    /** Its current connection; null while dropped. */
    Connection conn;
    private final int index;
    private final ResumeFleet fleet;
    private final ResumeTally tally;
    private final SequenceTracker seqs = new SequenceTracker();
    /** The connection it dropped, once dropped. */
    private final CompletableFuture<Connection> gone = new CompletableFuture<>();
    private boolean attached;
    private String lastSerial;
    // the drop
    private boolean dropping;
    private Connection old;
    private String oldConnectionId;
    private String connectionKey;
    private String serialAtDrop;
    private long highestAtDrop = -1;
    // the resume
    private long reconnectStart;
    private String newConnectionId;
    private String connectError;
    private String attachedSerial;
    private long attachedFlags = -1;
    private String attachedError;
    private long reattachedAt;
    private boolean resumedFlag;
    private long firstAfterAttach = -1;
    private long replayedHere;
    private String failure;

    ResumeSubscriber(int index, ResumeFleet fleet, ResumeTally tally) {
        super("subscriber", tally.errors, tally.unexpectedCloses);
        this.index = index;
        this.fleet = fleet;
        this.tally = tally;
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
                    tally.errors.add("resume-connected-" + f.errorKey(), 1, f.errorMessage());
                }
                if (oldConnectionId != null && oldConnectionId.equals(newConnectionId)) {
                    tally.sameId.increment();
                } else {
                    tally.newId.increment();
                }
            }
            // as ably-js does on every CONNECTED (RTL3d): ATTACH at once, with the last channelSerial seen
            attach = c.attach(fleet.settings().channel(), 0, lastSerial);
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
                tally.errors.add("attach-" + BenchFailure.codeOf(e), 1, BenchFailure.messageOf(e));
            }
            ready.complete(null);
            return;
        }
        if (e != null) {
            tally.reattachFailures.add(BenchFailure.codeOf(e), 1, BenchFailure.messageOf(e));
        } else {
            if (frame.hasError()) {
                tally.errors.add("reattached-" + frame.errorKey(), 1, frame.errorMessage());
            }
            tally.reattached(resumedFlag, reattachedAt, fleet.dropNanos(), reconnectStart);
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
        c.drop(fleet.settings().reset());
        gone.complete(c);
    }

    /** Credentials for the resume, once the old socket is closed (the bench's file descriptors stay bounded). */
    CompletableFuture<Endpoint.Credentials> resumeCredentials() {
        return gone.thenCompose(Connection::closed).thenApply(v -> {
            synchronized (this) {
                reconnectStart = System.nanoTime();
                return Endpoint.Credentials.key(fleet.key(), null).withResume(connectionKey);
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
        tally.reattachFailures.add(why.startsWith("reconnect") ? "reconnect" : "timeout", 1, why);
        settle();
    }

    private void settle() {
        if (back.complete(null)) {
            fleet.settled();
        }
    }

    synchronized boolean live() {
        return conn != null && attached;
    }

    synchronized boolean reattachedOk() {
        return dropping && attached && conn != null;
    }

    /** Its connection after the resume, if it got one (to close at the end). */
    synchronized Connection resumedConnection() {
        return dropping ? conn : null;
    }

    @Override
    public void onMessage(Connection c, InboundFrame f) {
        long now = System.nanoTime();
        int n = f.items();
        tally.received.add(n);
        synchronized (this) {
            if (c != conn) {
                return; // the dropped transport
            }
            if (!attached) {
                tally.discardedBeforeAttached.add(n); // ably-js drops these (RTL17)
                return;
            }
            if (f.channelSerial() != null) {
                lastSerial = f.channelSerial();
            }
            for (int i = 0; i < n; i++) {
                long seq = f.sequence(i);
                if (seq < 0) {
                    tally.unsequenced.increment();
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
                    tally.replayed.increment();
                }
                if (kind != SequenceTracker.Kind.DUPLICATE && stamp != Payload.NO_STAMP) {
                    tally.time(stamp, now, !dropping ? ResumeTally.Part.BEFORE_DROP
                            : replay ? ResumeTally.Part.REPLAYED : ResumeTally.Part.LIVE_AFTER_REATTACH);
                }
            }
        }
    }

    /**
     * What it got of 0..{@code lastSeq}: missing (less what the broker refused), duplicated, out of
     * order; odd when any of those, or its channel was not RESUMED, or its connectionId changed.
     */
    synchronized Continuity continuity(long lastSeq, SequencedPublisher publisher) {
        long missing = seqs.missing(lastSeq) - publisher.nackedUpTo(lastSeq, seqs);
        long d = seqs.duplicates();
        long o = seqs.outOfOrder();
        boolean odd = missing > 0 || d > 0 || o > 0 || !resumedFlag
                || newConnectionId == null || !newConnectionId.equals(oldConnectionId);
        return new Continuity(missing, d, o, replayedHere, odd);
    }

    /** Whether it has every sequence number up to {@code lastSeq}. */
    synchronized boolean hasAll(long lastSeq) {
        return seqs.missing(lastSeq) <= 0;
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
