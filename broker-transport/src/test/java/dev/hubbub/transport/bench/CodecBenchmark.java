package dev.hubbub.transport.bench;

import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.transport.codec.DecodeResult;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
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

/** Decoding an inbound MESSAGE and encoding an outbound one, in each wire format. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    @Param({"JSON", "MSGPACK"})
    public WireFormat format;

    private ProtocolCodec codec;
    private ByteBuf inbound;
    private ProtocolMessage outbound;

    @Setup
    public void setUp() {
        codec = ProtocolCodec.of(format);
        String payload = "x".repeat(100);
        // what an SDK sends: a publish of one 100-byte message
        ProtocolMessage publish = new ProtocolMessage(dev.hubbub.core.protocol.Action.MESSAGE, null, "chat:room-1", null, null, null,
                null, null, null, 42L, List.of(Message.of("greeting", payload)), null, null, null, null, null);
        inbound = Unpooled.wrappedBuffer(codec.encodeToBytes(publish));
        // what subscribers get: the stamped delivery
        Message delivered = new Message("conn1:42:0", "alice", "conn1", null, "greeting", payload, null, null,
                1_700_000_000_000L, 0, "000000000001a");
        outbound = ProtocolMessage.messages("chat:room-1", "conn1:42", "conn1", 1_700_000_000_000L, "000000000001a", List.of(delivered));
        if (new String(codec.encodeToBytes(outbound), StandardCharsets.ISO_8859_1).isEmpty()) {
            throw new IllegalStateException();
        }
    }

    @Benchmark
    public DecodeResult decodeInboundMessage() { return codec.decode(inbound); }

    @Benchmark
    public int encodeOutboundMessage() {
        ByteBuf buf = codec.encode(outbound, PooledByteBufAllocator.DEFAULT);
        int n = buf.readableBytes();
        buf.release();
        return n;
    }
}
