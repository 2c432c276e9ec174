package dev.hubbub.bench.cli;

import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.scenario.PubSubScenario;
import dev.hubbub.bench.scenario.RunContext;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
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

    @Option(names = "--rate", defaultValue = "1000", paramLabel = "MSGS_PER_S",
            description = "Total publishes per second offered, over all channels (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--size", defaultValue = "100", paramLabel = "BYTES", description = "Payload size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--channel-prefix", defaultValue = "bench-ch-", paramLabel = "PREFIX",
            description = "Channel names are PREFIX0, PREFIX1, ... (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--drain", defaultValue = "5", paramLabel = "SECONDS",
            description = "Wait at most this long after the window for late deliveries (default: ${DEFAULT-VALUE}).")
    double drain;

    @Option(names = "--tick-ms", defaultValue = "2", paramLabel = "MS",
            description = "Publisher pacing interval (default: ${DEFAULT-VALUE}).")
    double tickMs;

    @Option(names = "--protocol", defaultValue = "ably", paramLabel = "ably|nats",
            description = "ably: the broker's realtime protocol (default). nats: the same run against a NATS server's "
                    + "WebSocket listener (see fanout --help).")
    String protocol;

    private boolean nats() {
        return "nats".equalsIgnoreCase(protocol);
    }

    @Override
    protected boolean needsKey() {
        return !nats();
    }

    @Override
    protected List<String> scenarioProblems() {
        List<String> out = new ArrayList<>();
        positive(out, "--channels", channels, 1_000_000);
        positive(out, "--subscribers-per-channel", subscribersPerChannel, 100_000);
        positive(out, "--publishers-per-channel", publishersPerChannel, 100_000);
        FanoutCommand.PubSubChecks.check(out, rate, size, drain, tickMs);
        FanoutCommand.PubSubChecks.protocol(out, protocol, common.url, "--channel-prefix", prefix);
        return out;
    }

    @Override
    protected long connectionsNeeded() {
        return (long) channels * (subscribersPerChannel + publishersPerChannel);
    }

    @Override
    protected Report run(RunContext ctx) {
        PubSubScenario.Settings settings = new PubSubScenario.Settings("channels", channels, subscribersPerChannel,
                publishersPerChannel, rate, size, drain, (long) (tickMs * 1000), i -> prefix + i);
        return (nats() ? PubSubScenario.overNats(settings, ctx) : new PubSubScenario(settings, ctx)).run();
    }
}
