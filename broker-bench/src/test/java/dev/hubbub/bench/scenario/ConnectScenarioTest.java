package dev.hubbub.bench.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hubbub.bench.auth.ApiKey;
import dev.hubbub.bench.auth.TokenMinter;
import dev.hubbub.bench.client.BenchClient;
import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.client.WireCodec;
import dev.hubbub.bench.raw.RawBroadcastServer;
import dev.hubbub.bench.report.Progress;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.Deadline;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The connect scenario and the client's source addresses, against the raw server in-process (it checks no key). */
class ConnectScenarioTest {
    private RawBroadcastServer server;
    private Endpoint endpoint;

    @BeforeEach
    void start() throws InterruptedException {
        server = new RawBroadcastServer("127.0.0.1", 0, 1);
        InetSocketAddress bound = server.start();
        endpoint = Endpoint.parse("ws://127.0.0.1:" + bound.getPort());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // The warm-up opens and closes rounds until --warmup is over, but never takes the measured phase's
    // share of --max-connections: here the cap (25), not the 60 s warm-up, ends it after four rounds of 5.
    @Test
    void warmUpChurnsRoundsWithinTheConnectionCapAndLeavesTheMeasuredPhaseItsShare() {
        Report report;
        try (BenchClient client = new BenchClient(endpoint, WireCodec.Format.JSON, 1, 25);
             Progress progress = new Progress(new PrintStream(OutputStream.nullOutputStream()), () -> "")) {
            RunContext ctx = new RunContext(client, ApiKey.parse("any.key:not-checked"), 60, 30, Deadline.unguarded(120),
                    null, progress, 10);
            report = new ConnectScenario(new ConnectScenario.Settings(5, 5, ConnectScenario.Auth.KEY,
                    TokenMinter.Mode.SIGNED, null, 5), ctx).run();
            assertEquals(25, client.opened(), "every connection the cap allows, none past it");
        }
        Map<String, Object> warmup = report.section("warmup");
        assertEquals(4, count(warmup, "rounds"));
        assertEquals(20, count(warmup, "connected"));
        assertEquals(0, count(warmup, "failed"));
        Map<String, Object> connect = report.section("connect");
        assertEquals(5, count(connect, "connected"));
        assertEquals(0, count(connect, "failed"));
    }

    // Toward a loopback broker, connections take the source addresses 127.0.0.1..N in turn (each has its own
    // ephemeral ports); toward any other address the OS chooses.
    @Test
    void connectionsToALoopbackBrokerTakeTheSourceAddressesInTurn() throws Exception {
        try (BenchClient client = new BenchClient(endpoint, WireCodec.Format.JSON, 1, 10).spreadSources(3)) {
            List<String> hosts = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Connection c = client.open(Endpoint.Credentials.key("any.key:not-checked", null), ConnectionListener.NONE);
                c.connected().get(10, TimeUnit.SECONDS);
                hosts.add(((InetSocketAddress) c.localAddress()).getAddress().getHostAddress());
                c.abort();
            }
            assertEquals(List.of("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.1", "127.0.0.2", "127.0.0.3"), hosts);
        }
        try (BenchClient remote = new BenchClient(Endpoint.parse("ws://192.0.2.1:80"), WireCodec.Format.JSON, 1, 1)
                .spreadSources(3)) {
            assertEquals(List.of(), remote.sourcesOf(0), "not loopback: the OS's choice");
        }
    }

    private static long count(Map<String, Object> section, String name) {
        return ((Number) section.get(name)).longValue();
    }
}
