package dev.hubbub.transport.bench;

import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.outbound.FanOutPort;
import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
 * A fan-out of one 100-byte message to N in-memory subscribers, half JSON and half MessagePack:
 * the broker's per-delivery work without sockets (encode once per format, a retained duplicate per
 * subscriber, released as the socket write would release it).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FanOutBenchmark {
    @Param({"1000"})
    public int subscribers;

    private Channel channel;
    private final List<Message> messages = List.of(Message.of("greeting", "x".repeat(100)).withClientId("alice"));
    private long serial;

    /** Stands in for a connection: only its wire format matters here. */
    static final class InMemoryConnection implements Transport {
        final ProtocolCodec codec;

        InMemoryConnection(ProtocolCodec codec) { this.codec = codec; }

        @Override
        public void send(ProtocolMessage message) { throw new UnsupportedOperationException(); }

        @Override
        public void close(ProtocolMessage last) {}

        @Override
        public Cancellable schedule(Runnable task, long delayMillis) { throw new UnsupportedOperationException(); }
    }

    record InMemorySubscriber(String connectionId, InMemoryConnection outbound) implements Subscriber {
        @Override
        public boolean echoes() { return true; }
    }

    /**
     * The port's work without sockets or loops: encode once per format, take a retained view per
     * recipient and drop it as a socket write would, release the encodings at dispatch.
     */
    static final class InMemoryPort implements FanOutPort {
        @Override
        public FanOut begin(ProtocolMessage frame) {
            return new FanOut() {
                final ByteBuf[] encoded = new ByteBuf[2];

                @Override
                public void add(Transport recipient) {
                    ProtocolCodec codec = ((InMemoryConnection) recipient).codec;
                    int f = codec.format().index();
                    if (encoded[f] == null) {
                        encoded[f] = codec.encodeWebSocketFrame(frame, PooledByteBufAllocator.DEFAULT);
                    }
                    encoded[f].retainedDuplicate().release();
                }

                @Override
                public void dispatch() {
                    for (ByteBuf b : encoded) {
                        if (b != null) {
                            b.release();
                        }
                    }
                }
            };
        }
    }

    @Setup
    public void setUp() {
        ChannelRouter router = new ChannelRouter(new InMemoryPort());
        ChannelKey key = new ChannelKey("bench", "chat:room-1");
        for (int i = 0; i < subscribers; i++) {
            ProtocolCodec codec = ProtocolCodec.of((i & 1) == 0 ? WireFormat.JSON : WireFormat.MSGPACK);
            channel = router.attach(key, new InMemorySubscriber("sub" + i, new InMemoryConnection(codec)), Flags.DEFAULT_MODES);
        }
    }

    @Benchmark
    public void fanOut() {
        channel.publish(dev.hubbub.core.protocol.ProtocolMessage.messages("room", "publisher:" + (serial++), "publisher", 1_700_000_000_000L, null, messages), "publisher");
    }
}
