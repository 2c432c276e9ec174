package dev.hubbub.server;

import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.server.config.ConfigException;
import dev.hubbub.server.config.ConfigLoader;
import java.io.PrintWriter;
import dev.hubbub.server.config.LogSettings;
import dev.hubbub.server.logging.LogSetup;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Command line: runs the broker (default), checks its config ({@code checkconfig}) or mints
 * credentials ({@code token}).
 */
@Command(name = "broker-server", mixinStandardHelpOptions = true, version = "hubbub 0.1.0",
        description = "Runs hubbub, a realtime pub/sub broker that speaks Ably's protocol.",
        subcommands = {CheckConfigCommand.class, TokenCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    /** Exit code of a config that cannot be used (startup and checkconfig alike). */
    static final int CONFIG_ERROR = 2;

    @Spec
    CommandSpec spec;

    /** The startup and stop lines: written whatever the log level (see LogSetup). */
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (default: ${DEFAULT-VALUE}).",
            defaultValue = "config/broker.yaml")
    Path config;

    @Option(names = "--port", paramLabel = "N", description = "Port to listen on; overrides server.port (0 picks a free port).")
    Integer port;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to bind; overrides server.host.")
    String host;

    @Option(names = "--log-format", paramLabel = "text|json", defaultValue = "${env:HUBBUB_LOG_FORMAT}",
            description = "Log lines as text or JSON (one object a line); overrides logging.format. Default: $HUBBUB_LOG_FORMAT, else the config's (text).")
    LogSettings.Format logFormat;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "${env:HUBBUB_LOG_LEVEL}",
            description = "error, warn, info, debug or trace; overrides logging.level. Default: $HUBBUB_LOG_LEVEL, else the config's (info).")
    Level logLevel;

    public static void main(String[] args) {
        leakDetectionForProduction();
        System.exit(commandLine().execute(args));
    }

    /**
     * Netty's default leak detection records a stack trace for one buffer in 128, on every
     * allocation path: about 2% of the CPU of a small-message publish (async-profiler, one core).
     * The server runs without it unless {@code -Dio.netty.leakDetection.level} asks for a level;
     * the tests keep Netty's default (they do not go through {@code main}).
     */
    static void leakDetectionForProduction() {
        if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    /**
     * Reads and validates the config exactly as startup does (every setting, the key secrets from
     * their files or variables, the TLS files loaded into the TLS library); warnings and the error
     * go to {@code err}. Binds nothing and connects to nothing.
     *
     * @return the config, or null once the error has been printed
     */
    static BrokerConfig readConfig(Path file, PrintWriter err) {
        try {
            return ConfigLoader.load(file, warning -> err.println("hubbub: warning: " + warning));
        } catch (ConfigException e) {
            err.println("hubbub: configuration error: " + e.getMessage());
            return null;
        } finally {
            err.flush();
        }
    }

    @Override
    public Integer call() throws Exception {
        BrokerConfig read = readConfig(config, spec.commandLine().getErr());
        if (read == null) {
            return CONFIG_ERROR;
        }
        BrokerConfig cfg = read.withListener(host, port);
        LogSettings logging = cfg.logging();
        LogSetup.apply(new LogSettings(logFormat != null ? logFormat : logging.format(),
                logLevel != null ? logLevel : logging.level()));
        BrokerApp app = new BrokerApp(cfg);
        InetSocketAddress bound;
        try {
            bound = app.start();
        } catch (Exception e) {
            log.error("cannot listen on {}:{}{}: {}", cfg.host(), cfg.port(), cfg.admin() == null ? ""
                    : " and " + cfg.admin().host() + ":" + cfg.admin().port() + " (server.admin)", e.getMessage());
            app.close();
            return 3;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM: drain (clients told to reconnect, bounded by server.drainTimeout), close, exit 0
            try {
                app.drain();
                app.close();
                log.info("hubbub stopped");
            } finally {
                stopped.countDown();
            }
            // a JVM ended by a signal exits 128+signal (143) once the hooks finish; a drained stop is a clean exit
            Runtime.getRuntime().halt(0);
        }, "shutdown"));
        if (app.tls() != null) {
            reloadTlsOnSighup(app);
        }
        InetSocketAddress admin = app.adminAddress();
        log.info("hubbub listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort()
                + " (" + (app.tls() != null ? "wss" : "ws") + "://" + bound.getAddress().getHostAddress() + ":" + bound.getPort()
                + "/, " + cfg.keys().size() + " key(s), " + app.ioTransport().configName() + (app.tls() != null ? "; TLS by " + app.tls().describe() : "")
                + (admin != null ? "; metrics, health and ready on http://" + admin.getAddress().getHostAddress() + ":"
                        + admin.getPort() + "/ only" : "") + ")");
        if (app.consoleServed()) {
            log.info("web console at " + (app.tls() != null ? "https" : "http") + "://" + bound.getAddress().getHostAddress() + ":"
                    + bound.getPort() + "/console");
        }
        if (System.getenv("HUBBUB_LAUNCHER") == null) {
            log.info("started without bin/hubbub: the JVM's default heap sizing holds about twice the memory per idle "
                    + "connection (README: Memory and the launcher)");
        }
        stopped.await();
        return 0;
    }

    /**
     * SIGHUP reads the certificate and key files again (new connections get them; a failure keeps
     * the old ones and logs why). Only with TLS: otherwise SIGHUP stops the JVM as it always did.
     * A process that inherited SIGHUP ignored (started under nohup) keeps ignoring it: the JVM does
     * not install the handler then, and says so only by handing back SIG_IGN, so it is logged.
     */
    private static void reloadTlsOnSighup(BrokerApp app) {
        try {
            sun.misc.SignalHandler before = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> app.tls().reload());
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                log.warn("SIGHUP is ignored in this process (started under nohup?), so it cannot reload the certificate; "
                        + "start the broker without nohup, or set server.tls.checkInterval to reload when the files change");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.warn("SIGHUP cannot reload the certificate here ({}); it is reloaded when its files change", e.getMessage());
        }
    }
}
