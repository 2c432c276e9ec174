package dev.hubbub.bench.client;

import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.run.Deadline;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * Opens many connections with at most {@code concurrency} in flight (credentials first, e.g. a
 * token request, then the socket, until CONNECTED). Records per-connection connect time (socket
 * to CONNECTED) and total time (including the credentials), and failures by code. Bounded by the
 * phase's deadline: whatever is still in progress then is reported as {@link #unfinished()}.
 * Connection {@code i} goes to the node {@link #onNodes} names (the client's first by default).
 */
public final class ConnectionOpener {
    /** Supplies credentials for connection {@code i}; may complete later (token minting). */
    public interface CredentialSource {
        CompletableFuture<Endpoint.Credentials> credentials(int i);
    }

    private static final long PER_CONNECTION_TIMEOUT_MS = 15_000;

    private final BenchClient client;
    private final CredentialSource credentials;
    private final IntFunction<ConnectionListener> listeners;
    private final Histogram connectMicros = new SynchronizedHistogram(60_000_000L, 3);
    private final Histogram totalMicros = new SynchronizedHistogram(60_000_000L, 3);
    private final ErrorCounts failures = new ErrorCounts();
    private final AtomicInteger succeeded = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();
    private final List<Connection> open = Collections.synchronizedList(new ArrayList<>());
    private final java.util.Map<Integer, Connection> byIndex = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, AtomicInteger> succeededByNode = new java.util.concurrent.ConcurrentHashMap<>();
    private IntUnaryOperator nodeOf = i -> 0;
    private volatile long elapsedNanos;
    private volatile boolean finished;
    private volatile int unfinished;

    public ConnectionOpener(BenchClient client, CredentialSource credentials, IntFunction<ConnectionListener> listeners) {
        this.client = client;
        this.credentials = credentials;
        this.listeners = listeners;
    }

    /** Sends connection {@code i} to node {@code nodeOf(i)} of the client; call before {@link #open}. */
    public ConnectionOpener onNodes(IntUnaryOperator nodeOf) {
        this.nodeOf = nodeOf;
        return this;
    }

    /** Opens {@code count} connections, at most {@code concurrency} at once; returns the ones that connected. */
    public List<Connection> open(int count, int concurrency, Deadline deadline) {
        long t0 = System.nanoTime();
        CountDownLatch done = new CountDownLatch(count);
        AtomicInteger next = new AtomicInteger();
        Runnable[] startNext = new Runnable[1];
        startNext[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= count) {
                return;
            }
            started.incrementAndGet();
            // async: a connection that fails at once must not start the next one on the same stack
            openOne(i, deadline).whenCompleteAsync((c, e) -> {
                done.countDown();
                startNext[0].run();
            }, client.group());
        };
        for (int i = 0; i < Math.min(concurrency, count); i++) {
            startNext[0].run();
        }
        try {
            if (!done.await(deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
                next.set(count);
                finished = true;
                unfinished = (int) done.getCount();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        elapsedNanos = System.nanoTime() - t0;
        finished = true;
        synchronized (open) {
            return new ArrayList<>(open);
        }
    }

    private CompletableFuture<Connection> openOne(int i, Deadline deadline) {
        long t0 = System.nanoTime();
        long timeout = PER_CONNECTION_TIMEOUT_MS;
        CompletableFuture<Connection> result = new CompletableFuture<>();
        credentials.credentials(i).orTimeout(timeout, TimeUnit.MILLISECONDS).whenComplete((creds, err) -> {
            if (finished) {
                result.complete(null);
                return;
            }
            if (err != null) {
                failures.add(BenchFailure.codeOf(err), 1, BenchFailure.messageOf(err));
                result.complete(null);
                return;
            }
            int node = nodeOf.applyAsInt(i);
            Connection c = client.open(node, creds, listeners.apply(i));
            long left = Math.max(1, timeout - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            c.connected().orTimeout(left, TimeUnit.MILLISECONDS).whenComplete((ok, e) -> {
                if (finished) {
                    c.abort();
                    result.complete(null);
                    return;
                }
                if (e != null) {
                    failures.add(BenchFailure.codeOf(e), 1, BenchFailure.messageOf(e));
                    c.abort();
                    result.complete(null);
                    return;
                }
                connectMicros.recordValue(Math.min(c.connectNanos() / 1000, 60_000_000L));
                totalMicros.recordValue(Math.min((System.nanoTime() - t0) / 1000, 60_000_000L));
                succeeded.incrementAndGet();
                succeededByNode.computeIfAbsent(node, n -> new AtomicInteger()).incrementAndGet();
                open.add(c);
                byIndex.put(i, c);
                result.complete(c);
            });
        });
        return result;
    }

    /** The connection opened as number {@code i} of this opener, or null if it failed. */
    public Connection at(int i) {
        return byIndex.get(i);
    }

    public Histogram connectMicros() { return connectMicros; }
    public Histogram totalMicros() { return totalMicros; }
    public ErrorCounts failures() { return failures; }
    public int succeeded() { return succeeded.get(); }
    /** Connections that reached CONNECTED on node {@code node}. */
    public int succeededOn(int node) {
        AtomicInteger n = succeededByNode.get(node);
        return n == null ? 0 : n.get();
    }
    /** Connections still in progress when the phase's deadline came (neither counted as failed nor connected). */
    public int unfinished() { return unfinished; }
    public int started() { return started.get(); }
    public double elapsedSeconds() { return elapsedNanos / 1e9; }
}
