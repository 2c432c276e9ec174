package dev.hubbub.bench.scenario;

import dev.hubbub.bench.auth.ApiKey;
import dev.hubbub.bench.client.BenchClient;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.report.Progress;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.report.ServerProbe;
import dev.hubbub.bench.run.Deadline;
import dev.hubbub.bench.run.Window;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * What every scenario gets from the command line: the client, the key, the measured window's
 * length, the hard deadline, the optional broker probe and the progress printer.
 */
public record RunContext(BenchClient client, ApiKey key, double warmupSeconds, double durationSeconds, Deadline deadline,
                         ServerProbe probe, Progress progress, int setupConcurrency) {

    /** Opens {@code count} key-authenticated connections; {@code clientIds} may return null. */
    public ConnectionOpener openWithKey(IntFunction<String> clientIds, boolean echo,
                                        IntFunction<ConnectionListener> listeners) {
        return new ConnectionOpener(client, i -> {
            Endpoint.Credentials c = Endpoint.Credentials.key(key.full(), clientIds.apply(i));
            return CompletableFuture.completedFuture(echo ? c : c.withoutEcho());
        }, listeners);
    }

    /** Connection {@code i} of a run not tied to channels (connect, presence) goes to node {@code i % nodes}. */
    public int roundRobinNode(int i) {
        return i % client.endpoints().size();
    }

    /** With several nodes: how many of {@code opener}'s connections reached CONNECTED on each, as {@code key}. */
    public void putConnectedPerNode(Map<String, Object> section, String key, ConnectionOpener opener) {
        List<Endpoint> nodes = client.endpoints();
        if (nodes.size() < 2) {
            return;
        }
        Map<String, Object> perNode = new LinkedHashMap<>();
        for (int n = 0; n < nodes.size(); n++) {
            perNode.put(n + " " + nodes.get(n), opener.succeededOn(n));
        }
        section.put(key, perNode);
    }

    /** The window ended early (hard time cap): measure up to now only, and say so. */
    static Window cutShortIfNeeded(Window w, Report report) {
        long now = System.nanoTime();
        if (w.isOver(now)) {
            return w;
        }
        Window cut = new Window(w.trafficStart(), w.start(), Math.max(w.start(), now));
        report.put("result", String.format("cut short by --max-time after %.1f s of measurement", cut.durationSeconds()));
        return cut;
    }

    /** Sends CLOSE to every connection, waits briefly for the broker to close them, then drops the rest. */
    public static void closeAll(List<Connection> connections, long waitMillis) {
        connections.forEach(Connection::requestClose);
        CompletableFuture<?>[] all = connections.stream().map(Connection::closed).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(all).get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            connections.forEach(Connection::abort);
        }
    }

    /** Sleeps the main thread until {@code nanoTime}, bounded by the deadline. */
    public void sleepUntil(long nanoTime) {
        long until = deadline.within(nanoTime - System.nanoTime());
        long left;
        while ((left = until - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, 50_000_000L));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
