package dev.hubbub.bench.scenario;

import dev.hubbub.bench.auth.TokenMinter;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.ConnectionOpener;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.report.Latency;
import dev.hubbub.bench.report.Ratios;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.report.ServerProbe;
import dev.hubbub.bench.run.Deadline;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Opens K connections as fast as {@code concurrency} allows, with API-key or token auth (a token
 * per connection, minted through {@code POST /keys/{keyName}/requestToken}). Reports connects/s,
 * failures by code and connect-time percentiles. A warm-up round (not counted) opens and closes
 * up to {@code warmupConnections} first. With several nodes, connection {@code i} goes to node
 * {@code i % nodes}; tokens are minted by the first node.
 */
public final class ConnectScenario {
    public enum Auth { KEY, TOKEN }

    public record Settings(int connections, int concurrency, Auth auth, TokenMinter.Mode tokenMode, String clientIdPrefix,
                           int warmupConnections) { }

    /** This process (the load client): its CPU per connect is reported beside the broker's. */
    private static final ServerProbe SELF = new ServerProbe(ProcessHandle.current().pid());

    private final Settings s;
    private final RunContext ctx;

    public ConnectScenario(Settings settings, RunContext ctx) {
        this.s = settings;
        this.ctx = ctx;
    }

    public Report run() {
        Report report = new Report("connect");
        Map<String, Object> config = report.section("config");
        config.put("connections", s.connections());
        config.put("concurrency", s.concurrency());
        config.put("auth", s.auth() == Auth.KEY ? "key" : "token (" + s.tokenMode().name().toLowerCase() + ")");
        config.put("format", ctx.client().codec().format().param());

        try (TokenMinter minter = s.auth() == Auth.TOKEN
                ? new TokenMinter(ctx.client(), ctx.key(), s.tokenMode(), s.concurrency()) : null) {
            if (s.warmupConnections() > 0 && ctx.warmupSeconds() > 0) {
                warmUp(minter, report.section("warmup"), report);
            }
            ConnectionOpener opener = opener(minter);
            ctx.progress().show(() -> String.format("connect: %,d / %,d connected, %d failed (%s)", opener.succeeded(),
                    s.connections(), opener.failures().total(), opener.failures().describe()));
            ServerProbe.Sample before = ctx.probe() == null ? null : ctx.probe().sample();
            ServerProbe.Sample selfBefore = SELF.sample();
            Deadline phase = Deadline.unguarded(Math.min(ctx.durationSeconds(), ctx.deadline().remainingMillis() / 1000.0));
            List<Connection> conns = opener.open(s.connections(), s.concurrency(), phase);
            ServerProbe.Sample selfAfter = SELF.sample();
            ServerProbe.Sample after = ctx.probe() == null ? null : ctx.probe().sample();

            Map<String, Object> res = report.section("connect");
            res.put("attempted", opener.started());
            res.put("connected", opener.succeeded());
            res.put("failed", opener.failures().total());
            res.put("unfinished", opener.unfinished());
            res.put("elapsedSeconds", opener.elapsedSeconds());
            res.put("connectsPerSecond", Ratios.rate(opener.succeeded(), opener.elapsedSeconds()));
            ctx.putConnectedPerNode(res, "connectedPerNode", opener);
            report.putErrors("failures", opener.failures());
            report.section("connectTime").putAll(Latency.of(opener.connectMicros()).asMap());
            if (s.auth() == Auth.TOKEN) {
                report.section("tokenPlusConnectTime").putAll(Latency.of(opener.totalMicros()).asMap());
            }
            if (before != null) {
                ctx.probe().describe(before, after, opener.succeeded(), "cpuMicrosPerConnect", report.section("server"));
            }
            // this load client's own CPU: when it nears 100% of its core, the client is what limits connects/s
            SELF.describe(selfBefore, selfAfter, opener.succeeded(), "cpuMicrosPerConnect", report.section("client"));
            ctx.progress().show(() -> "closing " + conns.size() + " connections");
            RunContext.closeAll(conns, 5000);
            if (opener.succeeded() == 0) {
                Map<String, Long> f = opener.failures().snapshot();
                boolean noEndpoint = s.auth() == Auth.TOKEN && (f.containsKey("40400") || f.containsKey("http-404"));
                report.put("result", noEndpoint
                        ? "no connection succeeded: the broker has no POST /keys/{keyName}/requestToken (404)"
                        : "no connection succeeded");
            }
        }
        return report;
    }

    /**
     * Rounds of up to {@code warmupConnections} connections, each opened and then closed, until
     * {@code --warmup} is over or another round would leave too little of --max-connections for the
     * measured phase: the client's and the broker's JIT reach their steady code on the connect path
     * without holding more sockets than one round (a process's open files bound K).
     */
    private void warmUp(TokenMinter minter, Map<String, Object> section, Report report) {
        Deadline warmDeadline = Deadline.unguarded(Math.min(ctx.warmupSeconds(), ctx.deadline().remainingMillis() / 1000.0));
        int connected = 0;
        int rounds = 0;
        int unfinished = 0;
        ErrorCounts failures = new ErrorCounts();
        // a round starts only after rounds without failures, and while the cap leaves room for it and the measured phase
        while (!warmDeadline.expired() && failures.total() == 0
                && (long) ctx.client().opened() + s.warmupConnections() + s.connections() <= ctx.client().maxConnections()) {
            ConnectionOpener warm = opener(minter);
            int before = connected;
            ctx.progress().show(() -> "warmup: " + (before + warm.succeeded()) + " connected, " + warm.failures().total() + " failed");
            List<Connection> opened = warm.open(s.warmupConnections(), s.concurrency(), warmDeadline);
            RunContext.closeAll(opened, 3000);
            connected += opened.size();
            unfinished += warm.unfinished();
            failures = ErrorCounts.merged(failures, warm.failures());
            rounds++;
        }
        section.put("rounds", rounds);
        section.put("connected", connected);
        section.put("failed", failures.total());
        section.put("unfinished", unfinished);
        if (failures.total() > 0) {
            report.putErrors("warmupFailures", failures);
        }
    }

    private ConnectionOpener opener(TokenMinter minter) {
        ConnectionOpener.CredentialSource creds;
        if (minter == null) {
            creds = i -> CompletableFuture.completedFuture(Endpoint.Credentials.key(ctx.key().full(), clientId(i)));
        } else {
            creds = i -> minter.mint(clientId(i)).thenApply(token -> Endpoint.Credentials.token(token, null));
        }
        return new ConnectionOpener(ctx.client(), creds, i -> ConnectionListener.NONE).onNodes(ctx::roundRobinNode);
    }

    private String clientId(int i) {
        return s.clientIdPrefix() == null ? null : s.clientIdPrefix() + i;
    }
}
