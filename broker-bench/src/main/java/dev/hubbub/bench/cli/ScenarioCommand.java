package dev.hubbub.bench.cli;

import dev.hubbub.bench.client.BenchClient;
import dev.hubbub.bench.client.SocketTransport;
import dev.hubbub.bench.report.Progress;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.report.ServerProbe;
import dev.hubbub.bench.run.Deadline;
import dev.hubbub.bench.scenario.RunContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Shared flow of every scenario command: validate the options (exit 2 with the reasons), arm
 * the hard time cap, run the scenario on a fresh client, print the summary to stdout and, with
 * {@code --json}, write it to a file. Exit 1 if the scenario could not measure anything.
 */
public abstract class ScenarioCommand implements Callable<Integer> {
    @Mixin
    protected CommonOptions common;

    @Spec
    protected CommandSpec spec;

    /** Problems with the scenario's own options. */
    protected abstract List<String> scenarioProblems();

    /** Connections the scenario will open at most (checked against --max-connections). */
    protected abstract long connectionsNeeded();

    protected abstract Report run(RunContext ctx);

    /** Whether this run authenticates with --key (all but a run against a peer broker). */
    protected boolean needsKey() {
        return true;
    }

    /** Whether this scenario spreads its connections over several --url nodes (else it takes one). */
    protected boolean spreadsOverNodes() {
        return false;
    }

    /** All problems with the command line; empty when the run can start. */
    public List<String> validate() {
        List<String> out = new ArrayList<>(common.problems(needsKey()));
        if (!spreadsOverNodes() && common.nodeCount() > 1) {
            out.add("--url: " + spec.name() + " takes one endpoint (several are for fanout, channels, connect and presence)");
        }
        out.addAll(scenarioProblems());
        long needed = connectionsNeeded();
        if (needed > common.maxConnections()) {
            out.add("this run needs " + needed + " connections, more than --max-connections " + common.maxConnections());
        }
        return out;
    }

    @Override
    public Integer call() {
        List<String> problems = validate();
        if (!problems.isEmpty()) {
            throw new ParameterException(spec.commandLine(), String.join("\n", problems));
        }
        ServerProbe probe = null;
        if (!common.serverPids().isEmpty()) {
            probe = new ServerProbe(common.serverPids());
            try {
                probe.sample();
            } catch (IllegalStateException e) {
                throw new ParameterException(spec.commandLine(), "--server-pid: " + e.getMessage());
            }
        }
        Deadline deadline = Deadline.start(common.maxTime());
        String loadBefore = loadAverage();
        Report report;
        try (BenchClient client = new BenchClient(common.endpoints(), common.wireFormat(), common.threads(),
                common.maxConnections()).spreadSources(common.sourceAddresses());
             Progress progress = new Progress(System.err, () -> "starting")) {
            report = run(new RunContext(client, common.apiKey(), common.warmup(), common.duration(), deadline, probe,
                    progress, common.setupConcurrency()));
        }
        Map<String, Object> host = report.section("host");
        host.put("cpus", Runtime.getRuntime().availableProcessors());
        host.put("clientTransport", SocketTransport.name());
        host.put("loadAverageBefore", loadBefore);
        host.put("loadAverageAfter", loadAverage());
        System.out.print(report.toText());
        System.out.flush();
        if (common.json() != null) {
            try {
                report.writeJson(common.json());
            } catch (IOException e) {
                System.err.println("broker-bench: cannot write " + common.json() + ": " + e.getMessage());
                return 1;
            }
        }
        return exitCode(report);
    }

    /** The exit code of a run that produced {@code report}: 1 when it could not measure (a "result"), else 0. */
    protected int exitCode(Report report) {
        return report.asMap().containsKey("result") ? 1 : 0;
    }

    /** The 1/5/15-minute load averages, to tell a quiet machine from a busy one (null off Linux). */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    protected static void positive(List<String> out, String option, long value, long max) {
        if (value < 1 || value > max) {
            out.add(option + " must be between 1 and " + max + ", was " + value);
        }
    }
}
