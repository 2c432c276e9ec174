package dev.hubbub.bench.cli;

import dev.hubbub.bench.BenchMain;
import dev.hubbub.bench.raw.RawBroadcastServer;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "raw-server", mixinStandardHelpOptions = true,
        description = {"Runs the raw comparator: a plain Netty WebSocket broadcast server (CONNECTED, ATTACH/ATTACHED, "
                + "MESSAGE relayed byte for byte to the channel's sockets; no auth, no ACKs, no history, no identity), "
                + "so fanout, channels, connect --auth key and idle measure 'hubbub / raw' with the same client.",
                "Prints 'raw-server listening on HOST:PORT' and runs until stopped (SIGTERM)."})
public final class RawServerCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT",
            description = "Port to listen on, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "Event loop threads, 0 for one per core as hubbub (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--io", defaultValue = "epoll", paramLabel = "TRANSPORT",
            description = "Socket I/O: epoll (default, the comparator the README's ratios use), io_uring, or nio "
                    + "(epoll falls back to nio where it is missing).")
    String io;

    @Option(names = "--ack", description = "Also answer each MESSAGE with an ACK, written and flushed as its own frame: "
            + "the one write more per publish an Ably broker must make, so that hubbub / raw measures the protocol's work alone.")
    boolean ack;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new ParameterException(spec.commandLine(), "--port must be between 0 and 65535, was " + port);
        }
        if (threads < 0 || threads > 64) {
            throw new ParameterException(spec.commandLine(), "--threads must be between 0 and 64, was " + threads);
        }
        if (!java.util.List.of("epoll", "io_uring", "nio").contains(io)) {
            throw new ParameterException(spec.commandLine(), "--io must be epoll, io_uring or nio, was " + io);
        }
        BenchMain.leakDetectionOffUnlessAsked(); // as hubbub's Main: it costs ~2% of a small publish
        RawBroadcastServer server = new RawBroadcastServer(host, port, threads, io, ack);
        InetSocketAddress bound;
        try {
            bound = server.start();
        } catch (Exception e) { // a bind failure comes through sync() undeclared
            server.close();
            System.err.println("raw-server: cannot listen on " + host + ":" + port + ": " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "raw-server-shutdown"));
        System.out.println("raw-server listening on " + bound.getAddress().getHostAddress() + ":" + bound.getPort() + " (" + io + (ack ? ", ACKs" : "") + ")");
        System.out.flush();
        server.closeFuture().sync();
        return 0;
    }
}
