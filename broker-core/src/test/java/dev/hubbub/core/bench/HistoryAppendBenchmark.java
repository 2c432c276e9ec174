package dev.hubbub.core.bench;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.history.InMemoryMessageLog;
import dev.hubbub.core.history.Retention;
import dev.hubbub.core.protocol.Message;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Keeping one small message in history, round robin over many channels, at the default bounds:
 * once the node's total is reached every append also evicts, and each channel's ring keeps opening
 * segments and dropping its oldest (the 1,000-channel load's history work, without the network).
 *   scripts/jmh broker-core HistoryAppend
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(1)
public class HistoryAppendBenchmark {
    @Param({"1000"})
    int channels;

    private InMemoryMessageLog log;
    private ChannelKey[] keys;
    private List<Message> message;
    private int next;

    @Setup
    public void setUp() {
        log = new InMemoryMessageLog(Clock.systemUTC(), Retention.defaults(), key -> false);
        keys = new ChannelKey[channels];
        for (int i = 0; i < channels; i++) {
            keys[i] = new ChannelKey("bench-app", "room-" + i);
        }
        message = List.of(new Message("conn-1:1:0", "alice", "conn-1", null, "greeting",
                "{\"text\":\"hello, a small message of about a hundred bytes\",\"n\":42}", null, null,
                System.currentTimeMillis(), null, null));
    }

    @Benchmark
    public List<Message> append() {
        int i = next;
        next = i + 1 == channels ? 0 : i + 1;
        return log.append(keys[i], message, Set.of());
    }
}
