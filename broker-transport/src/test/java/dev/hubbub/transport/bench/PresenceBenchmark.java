package dev.hubbub.transport.bench;

import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.history.InMemoryMessageLog;
import dev.hubbub.core.history.Retention;
import dev.hubbub.core.outbound.FanOutPort;
import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.publish.Admission;
import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.identity.IdentityGate;
import dev.hubbub.core.presence.PresenceService;
import dev.hubbub.core.presence.PresenceSettings;
import dev.hubbub.core.presence.PresenceTimers;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
 * Presence at scale, in process: a full SYNC of a {@code members}-strong set (pages built, and
 * encoded as a connection would), and one enter + leave pair on a set of that size with one
 * subscriber receiving the encoded broadcast. Run: {@code scripts/jmh broker-transport Presence}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PresenceBenchmark {
    @Param({"100", "10000"})
    public int members;

    private static final ChannelKey KEY = new ChannelKey("bench", "lobby");
    private final Principal wildcard = new Principal("bench", "bench.key", Principal.CredentialKind.BASIC,
            ClientIdentity.WILDCARD, Capability.ALL, Long.MAX_VALUE);
    private PresenceService presence;
    private long serial;

    /** Stands in for one JSON connection: encodes what it is sent and drops the bytes. */
    record EncodingSubscriber(String connectionId) implements Subscriber, Transport {
        @Override
        public boolean echoes() { return true; }

        @Override
        public Transport outbound() { return this; }

        @Override
        public void send(ProtocolMessage message) {
            ByteBuf buf = ProtocolCodec.of(WireFormat.JSON).encode(message, PooledByteBufAllocator.DEFAULT);
            buf.release();
        }

        @Override
        public void close(ProtocolMessage last) {}

        @Override
        public Cancellable schedule(Runnable task, long delayMillis) { throw new UnsupportedOperationException(); }
    }

    @Setup
    public void setUp() {
        ChannelRouter router = new ChannelRouter(FanOutPort.DIRECT);
        router.attach(KEY, new EncodingSubscriber("watcher"), Flags.DEFAULT_MODES);
        presence = new PresenceService(router, new InMemoryMessageLog(Clock.systemUTC(), Retention.defaults(), k -> true),
                new Admission(65536), new IdentityGate(), Clock.systemUTC(), PresenceTimers.shared(), PresenceSettings.defaults());
        for (int c = 0; c < members / 100; c++) {
            List<PresenceMessage> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(new PresenceMessage(null, PresenceAction.ENTER, "user-" + c + "-" + i, null, "{\"status\":\"online\"}",
                        "json", null, null));
            }
            presence.handle("bench", "conn" + c, wildcard, frame(0, batch), Flags.DEFAULT_MODES);
        }
    }

    private static ProtocolMessage frame(long msgSerial, List<PresenceMessage> items) {
        return new ProtocolMessage(Action.PRESENCE, null, KEY.name(), null, null, null, null, null, null, msgSerial, null,
                items, null, null, null, null);
    }

    @Benchmark
    public int syncPagesOnly() {
        int[] n = {0};
        presence.sync(KEY, KEY.name(), Flags.DEFAULT_MODES, page -> n[0] += page.presence().size());
        return n[0];
    }

    @Benchmark
    public long syncEncodedJson() { return syncEncoded(WireFormat.JSON); }

    @Benchmark
    public long syncEncodedMsgpack() { return syncEncoded(WireFormat.MSGPACK); }

    private long syncEncoded(WireFormat format) {
        ProtocolCodec codec = ProtocolCodec.of(format);
        long[] bytes = {0};
        presence.sync(KEY, KEY.name(), Flags.DEFAULT_MODES, page -> {
            ByteBuf buf = codec.encode(page, PooledByteBufAllocator.DEFAULT);
            bytes[0] += buf.readableBytes();
            buf.release();
        });
        return bytes[0];
    }

    @Benchmark
    public int enterThenLeave() {
        long s = serial++;
        presence.handle("bench", "churn", wildcard, frame(s, List.of(new PresenceMessage(null, PresenceAction.ENTER, "churner",
                null, "x", null, null, null))), Flags.DEFAULT_MODES);
        return presence.handle("bench", "churn", wildcard, frame(s, List.of(new PresenceMessage(null, PresenceAction.LEAVE,
                "churner", null, null, null, null, null))), Flags.DEFAULT_MODES).toCompletableFuture().join().value().size();
    }
}
