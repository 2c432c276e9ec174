package dev.hubbub.bench.cli;

import java.util.List;
import picocli.CommandLine.Option;

/** The options of every paced publishing run (fanout, channels, resume): the pacing interval and the drain. */
final class PacingOptions {
    @Option(names = "--drain", defaultValue = "5", paramLabel = "SECONDS",
            description = "Wait at most this long after the window for late deliveries (default: ${DEFAULT-VALUE}).")
    double drain;

    @Option(names = "--tick-ms", defaultValue = "2", paramLabel = "MS",
            description = "Publisher pacing interval (default: ${DEFAULT-VALUE}).")
    double tickMs;

    /** Adds what is wrong with these options. */
    void problems(List<String> out) {
        if (!(drain >= 0 && drain <= 120)) {
            out.add("--drain must be between 0 and 120 seconds");
        }
        if (!(tickMs >= 0.1 && tickMs <= 1000)) {
            out.add("--tick-ms must be between 0.1 and 1000");
        }
    }

    double drainSeconds() {
        return drain;
    }

    long tickMicros() {
        return (long) (tickMs * 1000);
    }
}
