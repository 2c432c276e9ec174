package dev.hubbub.server;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenJson;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenRequestSigner;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code token}: mints credentials offline with a key, for scripts and auth servers. By default it
 * prints a signed TokenRequest (JSON) that a client exchanges at {@code POST /keys/{keyName}/requestToken};
 * with {@code --issue} it prints TokenDetails with a ready token. {@code --client-id-pattern} needs
 * {@code --issue} (a TokenRequest's mac cannot cover it) and {@code --client-id '*'}.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Prints a signed TokenRequest (default) or, with --issue, a token, made with an API key.")
final class TokenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "NAME:SECRET", description = "The API key (appId.keyId:secret).")
    String key;

    @Option(names = "--client-id", paramLabel = "ID", description = "clientId the token is for; '*' for a wildcard token; omit for an unidentified token.")
    String clientId;

    @Option(names = "--ttl", paramLabel = "MS", description = "Token lifetime in milliseconds (default 3600000, at most 86400000).")
    Long ttl;

    @Option(names = "--capability", paramLabel = "JSON", description = "Capability JSON, e.g. '{\"chat:*\":[\"publish\",\"subscribe\"]}' (default: the key's).")
    String capability;

    @Option(names = "--client-id-pattern", paramLabel = "PATTERN",
            description = "With --client-id '*' and --issue: limit the wildcard token to clientIds matching PATTERN,"
                    + " e.g. 'support:*' (a trailing '*' matches any rest, a whole-segment '*' one ':'-separated segment).")
    String clientIdPattern;

    @Option(names = "--issue", description = "Print TokenDetails with a token instead of a TokenRequest.")
    boolean issue;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Outcome<ApiKey> apiKey = TokenRequestSigner.keyForSigning(key);
        if (!apiKey.isOk()) {
            return fail(err, apiKey.error());
        }
        TokenParams params = new TokenParams(ttl, capability, clientId, null, null, null, clientIdPattern);
        Clock clock = Clock.systemUTC();
        if (issue) {
            var details = new TokenAuthority(new KeyStore(List.of(apiKey.value())), clock).issue(apiKey.value(), params);
            if (!details.isOk()) {
                return fail(err, details.error());
            }
            out.println(TokenJson.write(details.value()).toPrettyString());
        } else {
            var request = new TokenRequestSigner(clock).create(apiKey.value(), params);
            if (!request.isOk()) {
                return fail(err, request.error());
            }
            out.println(TokenJson.write(request.value()).toPrettyString());
        }
        out.flush();
        return 0;
    }

    private static int fail(PrintWriter err, ErrorInfo error) {
        err.println("token: " + error.message() + " (" + error.code() + ")");
        err.flush();
        return 1;
    }
}
