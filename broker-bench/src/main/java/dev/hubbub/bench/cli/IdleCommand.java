package dev.hubbub.bench.cli;

import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.scenario.IdleScenario;
import dev.hubbub.bench.scenario.RunContext;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "idle", mixinStandardHelpOptions = true,
        description = "Holds K idle connections for --duration (after --warmup to settle); with --server-pid reports the "
                + "broker's RSS growth per connection.")
public final class IdleCommand extends ScenarioCommand {
    @Option(names = "--connections", defaultValue = "1000", paramLabel = "K", description = "Connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--attach-channels", defaultValue = "0", paramLabel = "N",
            description = "Attach each connection to one of N channels (default: ${DEFAULT-VALUE}, none).")
    int attachChannels;

    @Override
    protected List<String> scenarioProblems() {
        List<String> out = new ArrayList<>();
        positive(out, "--connections", connections, 1_000_000);
        if (attachChannels < 0 || attachChannels > 1_000_000) {
            out.add("--attach-channels must be between 0 and 1000000");
        }
        return out;
    }

    @Override
    protected long connectionsNeeded() {
        return connections;
    }

    @Override
    protected Report run(RunContext ctx) {
        return new IdleScenario(new IdleScenario.Settings(connections, attachChannels), ctx).run();
    }
}
