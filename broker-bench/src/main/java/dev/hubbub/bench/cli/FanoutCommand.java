package dev.hubbub.bench.cli;

import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.scenario.PubSubScenario;
import dev.hubbub.bench.scenario.RunContext;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "fanout", mixinStandardHelpOptions = true,
        description = "N subscribers on one channel, P publishers sharing an offered rate; reports delivery ratio and "
                + "end-to-end latency.")
public final class FanoutCommand extends ScenarioCommand {
    @Option(names = "--subscribers", defaultValue = "100", paramLabel = "N", description = "Subscribers (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--publishers", defaultValue = "1", paramLabel = "P", description = "Publishers (default: ${DEFAULT-VALUE}).")
    int publishers;

    @Option(names = "--rate", defaultValue = "1000", paramLabel = "MSGS_PER_S",
            description = "Total publishes per second offered (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--size", defaultValue = "100", paramLabel = "BYTES", description = "Payload size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--channel", defaultValue = "bench-fanout", paramLabel = "NAME",
            description = "Channel name (default: ${DEFAULT-VALUE}).")
    String channel;

    @Option(names = "--drain", defaultValue = "5", paramLabel = "SECONDS",
            description = "Wait at most this long after the window for late deliveries (default: ${DEFAULT-VALUE}).")
    double drain;

    @Option(names = "--tick-ms", defaultValue = "2", paramLabel = "MS",
            description = "Publisher pacing interval (default: ${DEFAULT-VALUE}).")
    double tickMs;

    @Option(names = "--protocol", defaultValue = "ably", paramLabel = "ably|nats",
            description = "ably: the broker's realtime protocol (default). nats: the same run against a NATS server's "
                    + "WebSocket listener (--url ws://HOST:PORT of its websocket block, no auth; --key and --format "
                    + "are not used), to compare the fan-out figure with a peer.")
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
        positive(out, "--subscribers", subscribers, 1_000_000);
        positive(out, "--publishers", publishers, 100_000);
        PubSubChecks.check(out, rate, size, drain, tickMs);
        PubSubChecks.protocol(out, protocol, common.url, "--channel", channel);
        return out;
    }

    @Override
    protected long connectionsNeeded() {
        return (long) subscribers + publishers;
    }

    @Override
    protected Report run(RunContext ctx) {
        PubSubScenario.Settings settings = new PubSubScenario.Settings("fanout", 1, subscribers, publishers, rate, size,
                drain, (long) (tickMs * 1000), i -> channel);
        return (nats() ? PubSubScenario.overNats(settings, ctx) : new PubSubScenario(settings, ctx)).run();
    }

    /** Checks shared by fanout and channels. */
    static final class PubSubChecks {
        private PubSubChecks() {
        }

        static void check(List<String> out, double rate, int size, double drain, double tickMs) {
            if (!(rate > 0 && rate <= 10_000_000)) {
                out.add("--rate must be more than 0 and at most 10000000 messages/s");
            }
            if (size < Payload.STAMP_CHARS || size > 1_000_000) {
                out.add("--size must be between " + Payload.STAMP_CHARS + " and 1000000 bytes (the payload carries a "
                        + Payload.STAMP_CHARS + "-character send time)");
            }
            if (!(drain >= 0 && drain <= 120)) {
                out.add("--drain must be between 0 and 120 seconds");
            }
            if (!(tickMs >= 0.1 && tickMs <= 1000)) {
                out.add("--tick-ms must be between 0.1 and 1000");
            }
        }

        /** --protocol ably|nats; with nats a plain ws:// URL and channel names usable as NATS subjects. */
        static void protocol(List<String> out, String protocol, String url, String nameOption, String name) {
            boolean nats = "nats".equalsIgnoreCase(protocol);
            if (!nats && !"ably".equalsIgnoreCase(protocol)) {
                out.add("--protocol must be ably or nats, was '" + protocol + "'");
            }
            if (nats && url != null && !url.regionMatches(true, 0, "ws://", 0, 5)) {
                out.add("--protocol nats needs a ws:// URL (no TLS support for the peer)");
            }
            if (nats && !name.matches("[^\\s*>]+")) {
                out.add(nameOption + " must be a plain NATS subject (no spaces, '*' or '>') with --protocol nats");
            }
        }
    }
}
