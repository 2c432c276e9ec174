package dev.hubbub.bench.cli;

import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.NodeSpread;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.scenario.PubSubScenario;
import dev.hubbub.bench.scenario.RunContext;
import java.util.List;
import java.util.function.IntFunction;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options fanout and channels share: offered rate, payload, pacing, drain, the protocol and publisher placement. */
final class PubSubOptions {
    @Option(names = "--rate", defaultValue = "1000", paramLabel = "MSGS_PER_S",
            description = "Total publishes per second offered, shared by all publishers (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--size", defaultValue = "100", paramLabel = "BYTES", description = "Payload size (default: ${DEFAULT-VALUE}).")
    int size;

    @Mixin
    PacingOptions pacing;

    @Option(names = "--protocol", defaultValue = "ably", paramLabel = "ably|nats",
            description = "ably: the broker's realtime protocol (default). nats: the same run against a NATS server's "
                    + "WebSocket listener (--url ws://HOST:PORT of its websocket block, no auth; --key and --format "
                    + "are not used), to compare the figures with a peer.")
    String protocol;

    @Option(names = "--publisher-node", paramLabel = "N",
            description = "With several --url nodes: the node every publisher connects to, 0 for the first (default: 0).")
    Integer publisherNode;

    @Option(names = "--publishers-spread", defaultValue = "false",
            description = "With several --url nodes: spread the publishers over the nodes as the subscribers are, instead "
                    + "of putting them all on --publisher-node.")
    boolean publishersSpread;

    boolean nats() {
        return "nats".equalsIgnoreCase(protocol);
    }

    /** Adds what is wrong with these options; {@code nameOption}/{@code name} is the channel naming option. */
    void problems(List<String> out, CommonOptions common, String nameOption, String name) {
        if (!(rate > 0 && rate <= 10_000_000)) {
            out.add("--rate must be more than 0 and at most 10000000 messages/s");
        }
        if (size < Payload.STAMP_CHARS || size > 1_000_000) {
            out.add("--size must be between " + Payload.STAMP_CHARS + " and 1000000 bytes (the payload carries a "
                    + Payload.STAMP_CHARS + "-character send time)");
        }
        pacing.problems(out);
        boolean nats = nats();
        if (!nats && !"ably".equalsIgnoreCase(protocol)) {
            out.add("--protocol must be ably or nats, was '" + protocol + "'");
        }
        if (nats && common.url != null) {
            for (String url : common.url.split(",")) {
                if (!url.trim().regionMatches(true, 0, "ws://", 0, 5)) {
                    out.add("--protocol nats needs ws:// URLs (no TLS support for the peer)");
                    break;
                }
            }
        }
        int nodes = common.nodeCount();
        if (publisherNode != null && publishersSpread) {
            out.add("--publisher-node and --publishers-spread exclude each other");
        }
        if (publisherNode != null && nodes > 0 && (publisherNode < 0 || publisherNode >= nodes)) {
            out.add("--publisher-node must be between 0 and " + (nodes - 1) + " (--url lists " + nodes + " endpoints), was "
                    + publisherNode);
        }
        if (nats && !name.matches("[^\\s*>]+")) {
            out.add(nameOption + " must be a plain NATS subject (no spaces, '*' or '>') with --protocol nats");
        }
    }

    /** Runs the scenario over the chosen protocol. */
    Report run(String scenario, int channels, int subscribersPerChannel, int publishersPerChannel,
               IntFunction<String> channelName, RunContext ctx) {
        NodeSpread spread = new NodeSpread(ctx.client().endpoints().size(), channels,
                publishersSpread ? NodeSpread.SPREAD : publisherNode == null ? 0 : publisherNode);
        PubSubScenario.Settings settings = new PubSubScenario.Settings(scenario, channels, subscribersPerChannel,
                publishersPerChannel, rate, size, pacing.drainSeconds(), pacing.tickMicros(), channelName, spread);
        return (nats() ? PubSubScenario.overNats(settings, ctx) : new PubSubScenario(settings, ctx)).run();
    }
}
