package dev.hubbub.transport.bench;

import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.channel.EncodedFrame;
import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.PublishResult;
import dev.hubbub.core.channel.SharedFrame;
import dev.hubbub.core.protocol.Message;
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

    record Encoded(ByteBuf buf) implements EncodedFrame {
        @Override
        public void release() { buf.release(); }
    }

    /** Stands in for a connection: takes its own view of the shared bytes and drops it as a socket write would. */
    record InMemorySubscriber(String connectionId, ProtocolCodec codec) implements Subscriber {
        @Override
        public boolean echoes() { return true; }

        @Override
        public void deliver(SharedFrame frame) {
            Encoded e = frame.encoded(codec.format().index(), msg -> new Encoded(codec.encodeWebSocketFrame(msg, PooledByteBufAllocator.DEFAULT)));
            ByteBuf view = e.buf().retainedDuplicate();
            view.release();
        }
    }

    @Setup
    public void setUp() {
        ChannelRouter router = new ChannelRouter();
        ChannelKey key = new ChannelKey("bench", "chat:room-1");
        for (int i = 0; i < subscribers; i++) {
            ProtocolCodec codec = ProtocolCodec.of((i & 1) == 0 ? WireFormat.JSON : WireFormat.MSGPACK);
            channel = router.attach(key, new InMemorySubscriber("sub" + i, codec), Flags.DEFAULT_MODES);
        }
    }

    @Benchmark
    public PublishResult fanOut() {
        return channel.publish("publisher", "publisher:" + (serial++), messages, 1_700_000_000_000L);
    }
}
