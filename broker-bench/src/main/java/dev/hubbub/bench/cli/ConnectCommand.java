package dev.hubbub.bench.cli;

import dev.hubbub.bench.auth.TokenMinter;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.scenario.ConnectScenario;
import dev.hubbub.bench.scenario.RunContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "connect", mixinStandardHelpOptions = true,
        description = "Opens K connections as fast as allowed (API key or token auth); reports connects/s, failures by "
                + "error code and connect-time percentiles. --duration bounds the measured phase.")
public final class ConnectCommand extends ScenarioCommand {
    @Option(names = "--connections", defaultValue = "1000", paramLabel = "K", description = "Connections (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--concurrency", defaultValue = "100", paramLabel = "N",
            description = "Connection attempts in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--auth", defaultValue = "key", paramLabel = "key|token",
            description = "key: ?key=; token: a token per connection from POST /keys/{keyName}/requestToken (default: ${DEFAULT-VALUE}).")
    String auth;

    @Option(names = "--token-request", defaultValue = "signed", paramLabel = "signed|basic",
            description = "signed: a TokenRequest signed here, posted without credentials; basic: TokenParams over HTTP basic "
                    + "auth (default: ${DEFAULT-VALUE}).")
    String tokenRequest;

    @Option(names = "--client-id-prefix", paramLabel = "PREFIX",
            description = "Give connection i the clientId PREFIXi (default: none, anonymous/wildcard).")
    String clientIdPrefix;

    @Option(names = "--warmup-connections", defaultValue = "200", paramLabel = "N",
            description = "Connections opened and closed during --warmup, not counted (default: ${DEFAULT-VALUE}).")
    int warmupConnections;

    @Override
    protected boolean spreadsOverNodes() {
        return true;
    }

    @Override
    protected List<String> scenarioProblems() {
        List<String> out = new ArrayList<>();
        positive(out, "--connections", connections, 1_000_000);
        positive(out, "--concurrency", concurrency, 10_000);
        if (warmupConnections < 0 || warmupConnections > 100_000) {
            out.add("--warmup-connections must be between 0 and 100000");
        }
        if (!List.of("key", "token").contains(auth.toLowerCase(Locale.ROOT))) {
            out.add("--auth must be key or token, was '" + auth + "'");
        }
        if (!List.of("signed", "basic").contains(tokenRequest.toLowerCase(Locale.ROOT))) {
            out.add("--token-request must be signed or basic, was '" + tokenRequest + "'");
        }
        if (clientIdPrefix != null && (clientIdPrefix.isEmpty() || clientIdPrefix.contains("*"))) {
            out.add("--client-id-prefix must be non-empty and must not contain '*'");
        }
        return out;
    }

    @Override
    protected long connectionsNeeded() {
        return (long) connections + (common.warmup() > 0 ? warmupConnections : 0);
    }

    @Override
    protected Report run(RunContext ctx) {
        ConnectScenario.Auth a = auth.equalsIgnoreCase("token") ? ConnectScenario.Auth.TOKEN : ConnectScenario.Auth.KEY;
        TokenMinter.Mode mode = tokenRequest.equalsIgnoreCase("basic") ? TokenMinter.Mode.BASIC : TokenMinter.Mode.SIGNED;
        return new ConnectScenario(new ConnectScenario.Settings(connections, concurrency, a, mode, clientIdPrefix,
                warmupConnections), ctx).run();
    }
}
