package dev.hubbub.bench.cli;

import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.scenario.PresenceScenario;
import dev.hubbub.bench.scenario.RunContext;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "presence", mixinStandardHelpOptions = true,
        description = "M members enter one channel; a late attacher measures the time to a complete SYNC (repeated), then "
                + "members leave and re-enter at --churn-rate for --warmup + --duration while the attacher times the events.")
public final class PresenceCommand extends ScenarioCommand {
    @Option(names = "--members", defaultValue = "100", paramLabel = "M", description = "Members (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--channel", defaultValue = "bench-presence", paramLabel = "NAME",
            description = "Channel (default: ${DEFAULT-VALUE}).")
    String channel;

    @Option(names = "--sync-repeats", defaultValue = "3", paramLabel = "R",
            description = "Late attachers, one after the other (default: ${DEFAULT-VALUE}).")
    int syncRepeats;

    @Option(names = "--sync-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "Give up on one SYNC after this long (default: ${DEFAULT-VALUE}).")
    double syncTimeout;

    @Option(names = "--churn-rate", defaultValue = "100", paramLabel = "OPS_PER_S",
            description = "Leave/enter operations per second across all members; 0 skips churn (default: ${DEFAULT-VALUE}).")
    double churnRate;

    @Option(names = "--size", defaultValue = "32", paramLabel = "BYTES",
            description = "Presence data size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--members-subscribe", defaultValue = "false",
            description = "Attach members with the default modes (they then receive every presence event).")
    boolean membersSubscribe;

    @Option(names = "--drain", defaultValue = "5", paramLabel = "SECONDS",
            description = "Wait at most this long after the window for late events (default: ${DEFAULT-VALUE}).")
    double drain;

    @Override
    protected boolean spreadsOverNodes() {
        return true;
    }

    @Override
    protected List<String> scenarioProblems() {
        List<String> out = new ArrayList<>();
        positive(out, "--members", members, 1_000_000);
        if (syncRepeats < 0 || syncRepeats > 100) {
            out.add("--sync-repeats must be between 0 and 100");
        }
        if (!(syncTimeout > 0 && syncTimeout <= 600)) {
            out.add("--sync-timeout must be more than 0 and at most 600 seconds");
        }
        if (!(churnRate >= 0 && churnRate <= 1_000_000)) {
            out.add("--churn-rate must be between 0 and 1000000");
        }
        if (size < Payload.STAMP_CHARS || size > 65_536) {
            out.add("--size must be between " + Payload.STAMP_CHARS + " and 65536 bytes");
        }
        if (!(drain >= 0 && drain <= 120)) {
            out.add("--drain must be between 0 and 120 seconds");
        }
        if (channel.isEmpty()) {
            out.add("--channel must not be empty");
        }
        return out;
    }

    @Override
    protected long connectionsNeeded() {
        return (long) members + syncRepeats;
    }

    @Override
    protected Report run(RunContext ctx) {
        return new PresenceScenario(new PresenceScenario.Settings(members, channel, syncRepeats, churnRate, size,
                membersSubscribe, syncTimeout, 2000, drain), ctx).run();
    }
}
