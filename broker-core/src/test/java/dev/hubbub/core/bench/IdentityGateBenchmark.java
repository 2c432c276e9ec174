package dev.hubbub.core.bench;

import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.identity.IdentityGate;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The per-publish admission work: capability check plus the identity gate on one message. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IdentityGateBenchmark {
    private final IdentityGate gate = new IdentityGate();
    private final ClientIdentity alice = ClientIdentity.identified("alice");
    private final Capability capability = Capability.of(Map.of(
            "chat:*", Set.of("publish", "subscribe", "presence"), "news", Set.of("subscribe")));
    private final List<Message> unnamed = List.of(Message.of("greeting", "hello world"));
    private final List<Message> named = List.of(Message.of("greeting", "hello world").withClientId("alice"));

    @Benchmark
    public Outcome<List<Message>> admitFillsClientId() {
        if (!capability.allows("chat:room-1", Operation.PUBLISH)) {
            throw new IllegalStateException();
        }
        return gate.admitMessages("bench", alice, unnamed);
    }

    @Benchmark
    public Outcome<List<Message>> admitMatchingClientId() {
        if (!capability.allows("chat:room-1", Operation.PUBLISH)) {
            throw new IllegalStateException();
        }
        return gate.admitMessages("bench", alice, named);
    }
}
