package dev.hubbub.bench;

import dev.hubbub.bench.cli.ChannelsCommand;
import dev.hubbub.bench.cli.ConnectCommand;
import dev.hubbub.bench.cli.FanoutCommand;
import dev.hubbub.bench.cli.IdleCommand;
import dev.hubbub.bench.cli.PresenceCommand;
import dev.hubbub.bench.cli.RawServerCommand;
import dev.hubbub.bench.cli.ResumeCommand;
import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * broker-bench: a load-generating client for hubbub (or any broker speaking Ably's realtime
 * protocol). Each scenario is a subcommand; every run is bounded in time and connections.
 */
@Command(name = "broker-bench", mixinStandardHelpOptions = true, version = "broker-bench 0.1.0",
        description = "Benchmarks a realtime broker over its WebSocket protocol (JSON or MessagePack).",
        subcommands = {FanoutCommand.class, ChannelsCommand.class, ConnectCommand.class, PresenceCommand.class,
                IdleCommand.class, ResumeCommand.class, RawServerCommand.class, CommandLine.HelpCommand.class})
public final class BenchMain implements java.util.concurrent.Callable<Integer> {

    public static void main(String[] args) {
        leakDetectionOffUnlessAsked();
        System.exit(commandLine().execute(args));
    }

    /**
     * Netty's sampled leak detection (a stack trace for one buffer in 128) costs the load client about
     * 2% of its core and the raw comparator about as much of a small publish; as in hubbub's Main, it is
     * off unless {@code -Dio.netty.leakDetection.level} asks for a level.
     */
    public static void leakDetectionOffUnlessAsked() {
        if (System.getProperty("io.netty.leakDetection.level") == null && System.getProperty("io.netty.leakDetectionLevel") == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }

    public static CommandLine commandLine() {
        return new CommandLine(new BenchMain());
    }

    /** Without a scenario: usage to stderr, exit 2. */
    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return 2;
    }
}
