package dev.hubbub.bench.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.bench.BenchMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OptionValidationTest {
    private static final String[] BASE = {"--url", "ws://127.0.0.1:1", "--key", "app.k:secret"};

    private static List<String> problems(String scenario, String... extra) {
        CommandLine cl = BenchMain.commandLine();
        String[] args = new String[1 + BASE.length + extra.length];
        args[0] = scenario;
        System.arraycopy(BASE, 0, args, 1, BASE.length);
        System.arraycopy(extra, 0, args, 1 + BASE.length, extra.length);
        CommandLine.ParseResult parsed = cl.parseArgs(args);
        ScenarioCommand cmd = (ScenarioCommand) parsed.subcommand().commandSpec().userObject();
        return cmd.validate();
    }

    private static void assertProblem(List<String> problems, String mention) {
        assertTrue(problems.stream().anyMatch(p -> p.contains(mention)), "expected a problem naming " + mention + ": " + problems);
    }

    @Test
    void defaultsAreValidForEveryScenario() {
        for (String s : List.of("fanout", "channels", "connect", "presence", "idle", "resume")) {
            assertEquals(List.of(), problems(s), s);
        }
    }

    @Test
    void commonOptionsAreChecked() {
        assertProblem(problems("fanout", "--format", "xml"), "--format");
        assertProblem(problems("fanout", "--duration", "0"), "--duration");
        assertProblem(problems("fanout", "--warmup", "-1"), "--warmup");
        assertProblem(problems("fanout", "--threads", "0"), "--threads");
        assertProblem(problems("connect", "--source-addresses", "0"), "--source-addresses");
        assertProblem(problems("connect", "--source-addresses", "255"), "--source-addresses");
        assertProblem(problems("idle", "--max-time", "0"), "--max-time");
        CommandLine cl = BenchMain.commandLine();
        ScenarioCommand bad = (ScenarioCommand) cl.parseArgs("idle", "--url", "http://x:1", "--key", "nocolon")
                .subcommand().commandSpec().userObject();
        assertProblem(bad.validate(), "--url");
        assertProblem(bad.validate(), "--key");
    }

    @Test
    void scenarioOptionsAreChecked() {
        assertProblem(problems("fanout", "--size", "8"), "--size");
        assertProblem(problems("fanout", "--rate", "0"), "--rate");
        assertProblem(problems("fanout", "--subscribers", "0"), "--subscribers");
        assertProblem(problems("channels", "--channels", "0"), "--channels");
        assertProblem(problems("connect", "--auth", "password"), "--auth");
        assertProblem(problems("connect", "--token-request", "jwt"), "--token-request");
        assertProblem(problems("presence", "--churn-rate", "-1"), "--churn-rate");
        assertProblem(problems("presence", "--sync-repeats", "1000"), "--sync-repeats");
        assertProblem(problems("resume", "--size", "31"), "--size");
        assertProblem(problems("resume", "--drop-after", "10"), "--drop-after");
        assertProblem(problems("resume", "--drop", "close"), "--drop");
        assertProblem(problems("resume", "--resume-concurrency", "0"), "--resume-concurrency");
        assertEquals(List.of(), problems("resume", "--drop", "rst", "--drop-after", "0", "--size", "32"));
    }

    @Test
    void pacingOptionsAreCheckedAlikeForPubSubAndResume() {
        for (String s : List.of("fanout", "channels", "resume")) {
            assertProblem(problems(s, "--drain", "121"), "--drain");
            assertProblem(problems(s, "--tick-ms", "0.05"), "--tick-ms");
            assertEquals(List.of(), problems(s, "--drain", "0", "--tick-ms", "0.1"), s);
        }
    }

    @Test
    void resumeCountsEverySubscriberTwice() {
        assertEquals(List.of(), problems("resume", "--subscribers", "10000"));
        assertProblem(problems("resume", "--subscribers", "10000", "--max-connections", "20000"), "--max-connections");
        assertEquals(List.of(), problems("resume", "--subscribers", "10000", "--max-connections", "20001"));
    }

    @Test
    void fanoutAgainstNatsNeedsNoKeyButAPlainWebSocketUrl() {
        CommandLine cl = BenchMain.commandLine();
        ScenarioCommand nats = (ScenarioCommand) cl.parseArgs("fanout", "--protocol", "nats", "--url", "ws://127.0.0.1:8443")
                .subcommand().commandSpec().userObject();
        assertEquals(List.of(), nats.validate());
        ScenarioCommand ably = (ScenarioCommand) BenchMain.commandLine().parseArgs("fanout", "--url", "ws://127.0.0.1:1")
                .subcommand().commandSpec().userObject();
        assertProblem(ably.validate(), "--key");
        assertProblem(problems("fanout", "--protocol", "mqtt"), "--protocol");
        assertProblem(problems("fanout", "--protocol", "nats", "--channel", "a.*"), "--channel");
        ScenarioCommand tls = (ScenarioCommand) BenchMain.commandLine()
                .parseArgs("fanout", "--protocol", "nats", "--url", "wss://127.0.0.1:8443")
                .subcommand().commandSpec().userObject();
        assertProblem(tls.validate(), "ws://");
    }

    private static List<String> problemsAt(String urls, String scenario, String... extra) {
        String[] args = new String[5 + extra.length];
        args[0] = scenario;
        args[1] = "--url";
        args[2] = urls;
        args[3] = "--key";
        args[4] = "app.k:secret";
        System.arraycopy(extra, 0, args, 5, extra.length);
        ScenarioCommand cmd = (ScenarioCommand) BenchMain.commandLine().parseArgs(args).subcommand().commandSpec().userObject();
        return cmd.validate();
    }

    private static final String THREE_NODES = "ws://127.0.0.1:8081,ws://127.0.0.1:8082,ws://127.0.0.1:8083";

    @Test
    void severalUrlsOnlyWhereTheScenarioSpreadsOverNodes() {
        for (String s : List.of("fanout", "channels", "connect", "presence")) {
            assertEquals(List.of(), problemsAt(THREE_NODES, s), s);
        }
        for (String s : List.of("idle", "resume")) {
            assertProblem(problemsAt(THREE_NODES, s), "--url: " + s + " takes one endpoint");
            assertEquals(List.of(), problemsAt("ws://127.0.0.1:8081", s), s);
        }
        assertProblem(problemsAt("ws://127.0.0.1:8081,,ws://127.0.0.1:8082", "fanout"), "--url");
        assertProblem(problemsAt("ws://127.0.0.1:8081,ws://127.0.0.1:8081", "channels"), "--url");
        assertProblem(problemsAt("ws://127.0.0.1:8081,http://127.0.0.1:8082", "fanout"), "--url");
    }

    @Test
    void thePublisherNodeIsOneOfTheListedNodesOrThePublishersAreSpread() {
        assertEquals(List.of(), problemsAt(THREE_NODES, "fanout", "--publisher-node", "2"));
        assertEquals(List.of(), problemsAt(THREE_NODES, "channels", "--publishers-spread"));
        assertProblem(problemsAt(THREE_NODES, "fanout", "--publisher-node", "3"), "--publisher-node must be between 0 and 2");
        assertProblem(problemsAt(THREE_NODES, "fanout", "--publisher-node", "-1"), "--publisher-node");
        assertProblem(problems("fanout", "--publisher-node", "1"), "--publisher-node must be between 0 and 0");
        assertEquals(List.of(), problems("fanout", "--publisher-node", "0"));
        assertProblem(problemsAt(THREE_NODES, "channels", "--publisher-node", "1", "--publishers-spread"), "exclude");
    }

    @Test
    void natsNodesMustAllBePlainWebSockets() {
        assertEquals(List.of(), problemsAt("ws://127.0.0.1:8443,ws://127.0.0.1:8444", "fanout", "--protocol", "nats"));
        assertProblem(problemsAt("ws://127.0.0.1:8443,wss://127.0.0.1:8444", "fanout", "--protocol", "nats"), "ws://");
    }

    @Test
    void serverPidTakesOneProcessOrSeveral() {
        assertEquals(List.of(), problems("fanout", "--server-pid", "4242"));
        assertEquals(List.of(), problems("fanout", "--server-pid", "4242,4243,4244,17"));
        assertEquals(List.of(), problems("fanout", "--server-pid", "4242", "--server-pid", "17"));
        assertProblem(problems("fanout", "--server-pid", "4242,0"), "--server-pid");
        assertProblem(problems("channels", "--server-pid", "4242,17,4242"), "twice");
        CommonOptions o = ((ScenarioCommand) BenchMain.commandLine().parseArgs("fanout", "--url", "ws://h:1",
                "--server-pid", "4242,4243,17").subcommand().commandSpec().userObject()).common;
        assertEquals(List.of(4242L, 4243L, 17L), o.serverPids());
        assertEquals(2, BenchMain.commandLine().setErr(new PrintWriter(new StringWriter()))
                .execute("fanout", "--url", "ws://127.0.0.1:1", "--key", "a:b", "--server-pid", "4242,redis"));
    }

    @Test
    void anUnreadableServerPidIsAUsageErrorNamingIt() {
        StringWriter err = new StringWriter();
        long self = ProcessHandle.current().pid();
        int code = BenchMain.commandLine().setErr(new PrintWriter(err))
                .execute("idle", "--url", "ws://127.0.0.1:1", "--key", "a:b", "--server-pid", self + ",2147483646");
        assertEquals(2, code);
        assertTrue(err.toString().contains("--server-pid: cannot read /proc/2147483646"), err.toString());
    }

    @Test
    void connectionCapCoversEveryConnectionTheRunOpens() {
        assertProblem(problems("fanout", "--subscribers", "49999", "--publishers", "2"), "--max-connections");
        assertEquals(List.of(), problems("fanout", "--subscribers", "49999", "--publishers", "1"));
        assertProblem(problems("channels", "--channels", "1000", "--subscribers-per-channel", "5",
                "--max-connections", "5999"), "--max-connections");
        assertProblem(problems("idle", "--connections", "20000", "--max-connections", "10000"), "--max-connections");
    }

    @Test
    void rawServerRefusesABadPortAsAUsageError() {
        StringWriter err = new StringWriter();
        assertEquals(2, BenchMain.commandLine().setErr(new PrintWriter(err)).execute("raw-server", "--port", "70000"));
        assertTrue(err.toString().contains("--port must be between 0 and 65535"), err.toString());
    }

    @Test
    void invalidRunsExitWithUsageErrorBeforeTouchingTheNetwork() {
        StringWriter err = new StringWriter();
        CommandLine cl = BenchMain.commandLine().setErr(new PrintWriter(err));
        int code = cl.execute("fanout", "--url", "ws://127.0.0.1:1", "--key", "a:b", "--size", "4");
        assertEquals(2, code);
        assertTrue(err.toString().contains("--size"), err.toString());
        assertEquals(2, BenchMain.commandLine().setErr(new PrintWriter(new StringWriter())).execute("fanout"));
    }
}
