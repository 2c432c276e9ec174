package dev.hubbub.bench.cli;

import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.scenario.RunContext;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "channels", mixinStandardHelpOptions = true,
        description = "C channels, each with its own publishers and subscribers; the offered rate is the total over all "
                + "channels.")
public final class ChannelsCommand extends ScenarioCommand {
    @Option(names = "--channels", defaultValue = "100", paramLabel = "C", description = "Channels (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--subscribers-per-channel", defaultValue = "1", paramLabel = "N",
            description = "Subscribers on each channel (default: ${DEFAULT-VALUE}).")
    int subscribersPerChannel;

    @Option(names = "--publishers-per-channel", defaultValue = "1", paramLabel = "N",
            description = "Publishers on each channel (default: ${DEFAULT-VALUE}).")
    int publishersPerChannel;

    @Option(names = "--channel-prefix", defaultValue = "bench-ch-", paramLabel = "PREFIX",
            description = "Channel names are PREFIX0, PREFIX1, ... (default: ${DEFAULT-VALUE}).")
    String prefix;

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
        positive(out, "--channels", channels, 1_000_000);
        positive(out, "--subscribers-per-channel", subscribersPerChannel, 100_000);
        positive(out, "--publishers-per-channel", publishersPerChannel, 100_000);
        pubsub.problems(out, common, "--channel-prefix", prefix);
        return out;
    }

    @Override
    protected long connectionsNeeded() {
        return (long) channels * (subscribersPerChannel + publishersPerChannel);
    }

    @Override
    protected Report run(RunContext ctx) {
        return pubsub.run("channels", channels, subscribersPerChannel, publishersPerChannel, i -> prefix + i, ctx);
    }
}
