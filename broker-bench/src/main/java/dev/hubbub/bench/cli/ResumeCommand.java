package dev.hubbub.bench.cli;

import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.Payload;
import dev.hubbub.bench.scenario.ResumeScenario;
import dev.hubbub.bench.scenario.RunContext;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "resume", mixinStandardHelpOptions = true,
        description = "N subscribers on one channel and a sequenced publisher; --drop-after seconds into the window every "
                + "subscriber drops its transport at once and resumes (resume=connectionKey, ATTACH with its last "
                + "channelSerial) while publishing goes on; reports lost/duplicate/out-of-order messages, same vs new "
                + "connectionId, time to re-ATTACHED and broker CPU per resume. Exit 3 when messages were lost, "
                + "duplicated or reordered.")
public final class ResumeCommand extends ScenarioCommand {
    @Option(names = "--subscribers", defaultValue = "1000", paramLabel = "N", description = "Subscribers (default: ${DEFAULT-VALUE}).")
    int subscribers;

    @Option(names = "--channel", defaultValue = "bench-resume", paramLabel = "NAME",
            description = "Channel name (default: ${DEFAULT-VALUE}).")
    String channel;

    @Option(names = "--rate", defaultValue = "50", paramLabel = "MSGS_PER_S",
            description = "Publishes per second (default: ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--size", defaultValue = "100", paramLabel = "BYTES",
            description = "Payload size; it carries a send time and a sequence number (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--drop-after", defaultValue = "2", paramLabel = "SECONDS",
            description = "When in the measured window all subscribers drop their transports (default: ${DEFAULT-VALUE}).")
    double dropAfter;

    @Option(names = "--drop", defaultValue = "fin", paramLabel = "fin|rst",
            description = "How a transport is dropped, never with CLOSE or a WebSocket close frame: fin (TCP close) or rst "
                    + "(TCP reset) (default: ${DEFAULT-VALUE}).")
    String drop;

    @Option(names = "--resume-concurrency", defaultValue = "200", paramLabel = "N",
            description = "Reconnects in flight at once (default: ${DEFAULT-VALUE}).")
    int resumeConcurrency;

    @Option(names = "--resume-timeout", defaultValue = "60", paramLabel = "SECONDS",
            description = "Give up on subscribers not re-attached this long after the drop (default: ${DEFAULT-VALUE}).")
    double resumeTimeout;

    @Mixin
    PacingOptions pacing;

    @Override
    protected List<String> scenarioProblems() {
        List<String> out = new ArrayList<>();
        positive(out, "--subscribers", subscribers, 1_000_000);
        positive(out, "--resume-concurrency", resumeConcurrency, 10_000);
        if (!(rate > 0 && rate <= 100_000)) {
            out.add("--rate must be more than 0 and at most 100000 messages/s");
        }
        if (size < Payload.SEQUENCED_CHARS || size > 1_000_000) {
            out.add("--size must be between " + Payload.SEQUENCED_CHARS + " and 1000000 bytes (the payload carries a "
                    + Payload.STAMP_CHARS + "-character send time and a " + Payload.STAMP_CHARS + "-character sequence number)");
        }
        if (!(dropAfter >= 0 && dropAfter < common.duration())) {
            out.add("--drop-after must be at least 0 and less than --duration (" + common.duration() + " s)");
        }
        if (!"fin".equalsIgnoreCase(drop) && !"rst".equalsIgnoreCase(drop)) {
            out.add("--drop must be fin or rst, was '" + drop + "'");
        }
        if (!(resumeTimeout > 0 && resumeTimeout <= 3600)) {
            out.add("--resume-timeout must be more than 0 and at most 3600 seconds");
        }
        pacing.problems(out);
        if (channel.isEmpty()) {
            out.add("--channel must not be empty");
        }
        return out;
    }

    /** Each subscriber connects twice (before and after the drop), plus the publisher. */
    @Override
    protected long connectionsNeeded() {
        return 2L * subscribers + 1;
    }

    @Override
    protected Report run(RunContext ctx) {
        return new ResumeScenario(new ResumeScenario.Settings(subscribers, channel, rate, size, dropAfter,
                "rst".equalsIgnoreCase(drop), resumeConcurrency, resumeTimeout, pacing.drainSeconds(), pacing.tickMicros()),
                ctx).run();
    }

    /** 3 when the run measured, but a re-attached subscriber lost, repeated or reordered a message. */
    @Override
    protected int exitCode(Report report) {
        int code = super.exitCode(report);
        return code == 0 && !ResumeScenario.continuityKept(report) ? 3 : code;
    }
}
