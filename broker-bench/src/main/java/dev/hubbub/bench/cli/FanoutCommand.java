package dev.hubbub.bench.cli;

import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.scenario.RunContext;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = "N subscribers on one channel, P publishers sharing an offered rate; reports delivery ratio and "
                + "end-to-end latency.")
public final class FanoutCommand extends ScenarioCommand {
    @Option(names = "--subscribers", defaultValue = "100", paramLabel = "N", description = "Subscribers (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--publishers", defaultValue = "1", paramLabel = "P", description = "Publishers (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--channel", defaultValue = "bench-fanout", paramLabel = "NAME",
            description = "Channel name (default: ${DEFAULT-VALUE}).")
    String channel;

    @Mixin
    PubSubOptions pubsub;

    @Override
    protected boolean needsKey() {
        return !pubsub.nats();
    }

    @Override
    protected boolean spreadsOverNodes() {
        return true;
    }

    @Override
    protected List<String> scenarioProblems() {
        List<String> out = new ArrayList<>();
        positive(out, "--subscribers", subscribers, 1_000_000);
        positive(out, "--publishers", publishers, 100_000);
        pubsub.problems(out, common, "--channel", channel);
        return out;
    }

    @Override
    protected long connectionsNeeded() {
        return (long) subscribers + publishers;
    }

    @Override
    protected Report run(RunContext ctx) {
        return pubsub.run("fanout", 1, subscribers, publishers, i -> channel, ctx);
    }
}
