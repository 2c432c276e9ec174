package dev.hubbub.bench.cli;

import dev.hubbub.bench.auth.ApiKey;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.client.WireCodec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every scenario takes; {@link #problems()} checks them. */
public final class CommonOptions {
    /** At most this many nodes in a --url list. */
    static final int MAX_NODES = 64;

    @Option(names = "--url", required = true, paramLabel = "ws://HOST:PORT[,ws://HOST:PORT...]",
            description = "Realtime endpoint of the broker (ws:// or wss://). For a cluster (fanout, channels, connect, "
                    + "presence): its nodes' endpoints separated by commas; connections go round-robin over them.")
    String url;

    @Option(names = "--key", paramLabel = "NAME:SECRET",
            description = "API key to authenticate with (required, except with --protocol nats).")
    String key;

    @Option(names = "--format", defaultValue = "json", paramLabel = "json|msgpack",
            description = "Wire format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--duration", defaultValue = "10", paramLabel = "SECONDS",
            description = "Length of the measured window (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "SECONDS",
            description = "Traffic before the measured window, not counted (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary as JSON to FILE.")
    Path json;

    @Option(names = "--server-pid", split = ",", paramLabel = "PID",
            description = "Broker process on this machine: report its CPU time and RSS from /proc. For a cluster, every "
                    + "node's pid and redis-server's, separated by commas: the report sums them and shows each one.")
    List<Long> serverPids;

    @Option(names = "--max-connections", defaultValue = "50000", paramLabel = "N",
            description = "Refuse to open more than N connections in total (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--max-time", paramLabel = "SECONDS",
            description = "Hard cap on the whole run, setup included (default: warmup + duration + 120).")
    Double maxTime;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
            description = "Client event loop threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--source-addresses", defaultValue = "16", paramLabel = "N",
            description = "Toward a broker at 127.x.x.x, connections come from 127.0.0.1 to 127.0.0.N in turn: one address "
                    + "has ~28,000 ephemeral ports per server port and the kernel's search for a free one grows with the "
                    + "connections open; 1: the OS's choice (default: ${DEFAULT-VALUE}).")
    int sourceAddresses;

    @Option(names = "--setup-concurrency", defaultValue = "200", paramLabel = "N",
            description = "Connections opened at once while setting up (default: ${DEFAULT-VALUE}).")
    int setupConcurrency;

    /** Everything wrong with these options, as sentences; empty when they are usable. */
    public List<String> problems() {
        return problems(true);
    }

    /** As {@link #problems()}; {@code keyNeeded} false when the run authenticates without a key. */
    public List<String> problems(boolean keyNeeded) {
        List<String> out = new ArrayList<>();
        try {
            if (Endpoint.parseAll(url).size() > MAX_NODES) {
                out.add("--url lists more than " + MAX_NODES + " endpoints");
            }
        } catch (IllegalArgumentException e) {
            out.add("--url: " + e.getMessage());
        }
        if (key == null) {
            if (keyNeeded) {
                out.add("--key NAME:SECRET is required");
            }
        } else {
            try {
                ApiKey.parse(key);
            } catch (IllegalArgumentException e) {
                out.add("--key: " + e.getMessage());
            }
        }
        try {
            WireCodec.Format.parse(format);
        } catch (IllegalArgumentException e) {
            out.add("--format: " + e.getMessage());
        }
        if (!(duration > 0 && duration <= 3600)) {
            out.add("--duration must be more than 0 and at most 3600 seconds");
        }
        if (!(warmup >= 0 && warmup <= 600)) {
            out.add("--warmup must be between 0 and 600 seconds");
        }
        if (maxConnections < 1 || maxConnections > 1_000_000) {
            out.add("--max-connections must be between 1 and 1000000");
        }
        if (maxTime != null && !(maxTime > 0 && maxTime <= 24 * 3600)) {
            out.add("--max-time must be more than 0 and at most 86400 seconds");
        }
        if (threads < 1 || threads > 64) {
            out.add("--threads must be between 1 and 64");
        }
        if (sourceAddresses < 1 || sourceAddresses > 254) {
            out.add("--source-addresses must be between 1 and 254");
        }
        if (setupConcurrency < 1 || setupConcurrency > 10_000) {
            out.add("--setup-concurrency must be between 1 and 10000");
        }
        List<Long> pids = serverPids();
        if (pids.stream().anyMatch(pid -> pid <= 0)) {
            out.add("--server-pid must be process ids, was " + pids);
        } else if (pids.stream().distinct().count() < pids.size()) {
            out.add("--server-pid lists a process twice: " + pids);
        } else if (pids.size() > MAX_NODES + 1) {
            out.add("--server-pid lists more than " + (MAX_NODES + 1) + " processes");
        }
        return out;
    }

    /** The nodes of --url, in order (one for a single endpoint). */
    public List<Endpoint> endpoints() { return Endpoint.parseAll(url); }
    /** How many endpoints --url lists; 0 when it does not parse (a problem reported by {@link #problems}). */
    public int nodeCount() {
        try {
            return Endpoint.parseAll(url).size();
        } catch (IllegalArgumentException e) {
            return 0;
        }
    }
    /** The key, or null when none was given (allowed only where the run needs none). */
    public ApiKey apiKey() { return key == null ? null : ApiKey.parse(key); }
    public WireCodec.Format wireFormat() { return WireCodec.Format.parse(format); }
    public double duration() { return duration; }
    public double warmup() { return warmup; }
    public Path json() { return json; }
    /** The --server-pid processes, in order; empty when none was given. */
    public List<Long> serverPids() { return serverPids == null ? List.of() : List.copyOf(serverPids); }
    public int maxConnections() { return maxConnections; }
    public int threads() { return threads; }
    public int sourceAddresses() { return sourceAddresses; }
    public int setupConcurrency() { return setupConcurrency; }

    /** The hard cap in seconds: as given, else warmup + duration + 120. */
    public double maxTime() {
        return maxTime != null ? maxTime : warmup + duration + 120;
    }
}
