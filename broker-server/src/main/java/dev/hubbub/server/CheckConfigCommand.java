package dev.hubbub.server;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.server.config.BrokerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code checkconfig}: reads and validates the config as startup does ({@link Main#readConfig}:
 * every setting, key secrets from their files and variables, TLS files loaded), without binding a
 * port or connecting to Redis. Exits 0 with a one-line summary, or with startup's exit code (2) and
 * its very message. For a deploy step or a reload script: check before restarting.
 */
@Command(name = "checkconfig", mixinStandardHelpOptions = true,
        description = "Checks the config file as startup would (secrets, TLS files included), binding and connecting to nothing;"
                + " exits 0 when it is usable, 2 with startup's message when not.")
final class CheckConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (default: the broker's, config/broker.yaml).")
    Path config;

    @Override
    public Integer call() {
        Path file = config != null ? config : main.config;
        BrokerConfig cfg = Main.readConfig(file, spec.commandLine().getErr());
        if (cfg == null) {
            return Main.CONFIG_ERROR;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("config OK: " + summary(cfg));
        out.flush();
        return 0;
    }

    /** What the config sets up, in one line: no secret, only names the file itself holds. */
    static String summary(BrokerConfig cfg) {
        String keys = cfg.keys().stream().map(ApiKey::name).collect(Collectors.joining(", "));
        return cfg.keys().size() + " key(s) (" + keys + "); " + (cfg.tls() != null ? "wss" : "ws") + "://" + cfg.host() + ":"
                + cfg.port() + (cfg.tls() != null ? " (TLS " + cfg.tls().certFile() + ")" : "")
                + (cfg.cluster() != null ? "; cluster node " + cfg.cluster().nodeId() + " on " + cfg.cluster().redis().size()
                        + " Redis server(s)" : "; single node")
                + "; tokens " + cfg.tokens().defaultTtl().toMillis() + " ms by default, at most " + cfg.tokens().maxTtl().toMillis()
                + " ms";
    }
}
