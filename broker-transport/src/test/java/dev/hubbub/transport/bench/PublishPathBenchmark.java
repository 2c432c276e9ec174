package dev.hubbub.transport.bench;

import static dev.hubbub.transport.EmbeddedOutbound.drain;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.history.Retention;
import dev.hubbub.core.session.Limits;
import dev.hubbub.testkit.TestCore;
import dev.hubbub.transport.BrokerServer;
import dev.hubbub.transport.http.RestAuth;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.ws.NettyFanOut;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.msgpack.jackson.dataformat.MessagePackFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One publish through the whole realtime path, sockets left out: a WebSocket frame into the
 * publisher's pipeline (as BrokerServer builds it), decode, session, identity gate, history,
 * fan-out, the ACK and the delivery encoded and written out of both pipelines. Round robin over
 * {@code channels} channels of one publisher and one subscriber each, as the many-channels load
 * does: at 10 channels everything the path touches stays in the CPU's caches, at 1,000 it does
 * not. The difference is what the path's memory layout costs, measured without a profiler.
 * {@code pairs} and {@code few} tell the channels' share from the connections': fewer connections
 * than channels, each serving many, keeps one side in the caches while the other is spread out.
 *   scripts/jmh broker-transport PublishPath
 *   scripts/jmh broker-transport -p channels=1000 -p history=one -p pairs=10 -p few=publishers PublishPath
 *   scripts/jmh broker-transport -p channels=10 -p format=json,msgpack PublishPath
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 10, time = 1) // at 1,000 channels the JIT takes about five to settle
@Measurement(iterations = 8, time = 1)
// the collector and young generation bin/hubbub gives the broker: a small young generation stays in the caches,
// where the JVM's default (G1, an eden of hundreds of MiB) puts every allocation on memory no cache holds
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseParallelGC", "-Xmn16m"})
public class PublishPathBenchmark {
    @Param({"10", "1000"})
    public int channels;

    /**
     * What each channel keeps: the defaults (2 minutes, up to 256 MiB in all: every message is new
     * memory), or one message (the history's work, on memory that stays in the caches).
     */
    @Param({"defaults", "one"})
    public String history;

    /**
     * Publisher-subscriber pairs of connections (0: one pair per channel). Fewer pairs than
     * channels, each pair attached to every channel {@code i} with {@code i % pairs} its own:
     * the channels' state spread over memory, the connections' kept in the caches.
     */
    @Param({"0"})
    public int pairs;

    /** Which side's connections are few (pairs of them): "both", "publishers" or "subscribers". */
    @Param({"both"})
    public String few;

    /** The wire format of every connection: "json" or "msgpack" (binary frames, as ably-java sends by default). */
    @Param({"json"})
    public String format;

    private static final String KEY = "app1.full:secret1";
    /** Each publisher's msgSerials start here: ten digits, so each is written over the last in place. */
    private static final long FIRST_SERIAL = 1_000_000_000L;

    private EmbeddedChannel[] publishers;
    private EmbeddedChannel[] subscribers;
    private byte[][] frames;
    private int[] serialAt;
    private long[] serials;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        Limits defaults = Limits.defaults();
        // no inbound rate to speak of, and no liveness round within the run (nothing here answers a ping)
        Limits limits = new Limits(defaults.maxMessageSize(), defaults.maxFrameSize(), 1_000_000_000, 600_000,
                defaults.connectionStateTtl(), defaults.maxChannelsPerConnection(), defaults.serverId());
        TestCore core = TestCore.builder()
                .key(new ApiKey("app1.full", "secret1", Capability.ALL))
                .clock(Clock.systemUTC())
                .limits(limits)
                .retention(history.equals("one") ? new Retention(0, 1, 1L << 20, 256L << 20, 120_000) : Retention.defaults())
                .fanOut(new NettyFanOut())
                .build();
        RestHandler rest = new RestHandler(new RestAuth(core.authenticator), core.publishing, core.clock);
        BrokerServer.Options options = new BrokerServer.Options("127.0.0.1", 0, 1, 8L << 20, 1 << 20, 1000);
        int connections = pairs == 0 ? channels : pairs;
        int pubs = few.equals("subscribers") ? channels : connections;
        int subs = few.equals("publishers") ? channels : connections;
        publishers = new EmbeddedChannel[channels];
        subscribers = new EmbeddedChannel[channels];
        frames = new byte[channels][];
        serialAt = new int[channels];
        serials = new long[pubs];
        for (int i = 0; i < channels; i++) {
            publishers[i] = i < pubs ? connect(core, rest, limits, options, "p" + i + "&echo=false") : publishers[i % pubs];
            subscribers[i] = i < subs ? connect(core, rest, limits, options, "s" + i) : subscribers[i % subs];
            String attach = "{\"action\":10,\"channel\":\"room-" + i + "\"}";
            send(publishers[i], attach);
            send(subscribers[i], attach);
            drain(publishers[i]);
            drain(subscribers[i]);
            String json = "{\"action\":15,\"channel\":\"room-" + i + "\",\"msgSerial\":" + FIRST_SERIAL
                    + ",\"messages\":[{\"name\":\"greeting\",\"data\":\"" + "x".repeat(100) + "\"}]}";
            frames[i] = maskedFrame(body(json));
            // JSON: the serial's ten digits; MessagePack: its uint32's four bytes (0xce, then big-endian)
            serialAt[i] = binary() ? indexOf(frames[i], (byte) 0xce, FIRST_SERIAL) + 1 : indexOf(frames[i], String.valueOf(FIRST_SERIAL));
        }
        // one publish looked at: the subscriber must have its message, the publisher its ACK (and not its own message)
        offer(0);
        String delivered = new String(drain(subscribers[0]), StandardCharsets.ISO_8859_1);
        String acked = new String(drain(publishers[0]), StandardCharsets.ISO_8859_1);
        String ack = binary() ? "\u00a6action\u0001" : "\"action\":1"; // MessagePack: fixstr "action", fixint 1
        if (!delivered.contains("greeting") || !acked.contains(ack) || acked.contains("greeting")) {
            throw new IllegalStateException("the path does not deliver: sent [" + delivered + "], ACK [" + acked + "]");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Set<EmbeddedChannel> all = Collections.newSetFromMap(new IdentityHashMap<>()); // a connection may serve many channels
        all.addAll(Arrays.asList(publishers));
        all.addAll(Arrays.asList(subscribers));
        all.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    @Benchmark
    public int publish() {
        int i = next;
        next = i + 1 == channels ? 0 : i + 1;
        offer(i);
        return release(publishers[i]) + release(subscribers[i]);
    }

    /** Channel {@code i}'s publisher sends its message, with the next msgSerial. */
    private void offer(int i) {
        byte[] frame = frames[i];
        long s = FIRST_SERIAL + serials[i % serials.length]++; // each connection's own msgSerials, one after another
        if (binary()) {
            for (int d = serialAt[i] + 3; d >= serialAt[i]; d--, s >>>= 8) {
                frame[d] = (byte) s;
            }
        } else {
            for (int d = serialAt[i] + 9; d >= serialAt[i]; d--, s /= 10) {
                frame[d] = (byte) ('0' + s % 10);
            }
        }
        publishers[i].writeInbound(Unpooled.wrappedBuffer(frame));
    }

    private boolean binary() {
        return format.equals("msgpack");
    }

    /** The frame body of {@code json} in this run's format. */
    private byte[] body(String json) {
        if (!binary()) {
            return json.getBytes(StandardCharsets.UTF_8);
        }
        try {
            ObjectMapper msgpack = new ObjectMapper(new MessagePackFactory());
            return msgpack.writeValueAsBytes(new ObjectMapper().readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private EmbeddedChannel connect(TestCore core, RestHandler rest, Limits limits, BrokerServer.Options options,
                                    String clientId) {
        EmbeddedChannel ch = new EmbeddedChannel();
        BrokerServer.configure(ch.pipeline(), core.connector, rest, limits, options);
        ch.writeInbound(Unpooled.copiedBuffer("GET /?key=" + KEY.replace(":", "%3A") + "&clientId=" + clientId
                + "&format=" + format + "&heartbeats=false&v=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                StandardCharsets.ISO_8859_1));
        String head = new String(drain(ch), StandardCharsets.ISO_8859_1);
        if (!head.startsWith("HTTP/1.1 101") || !head.contains(binary() ? "\u00a6action\u0004" : "\"action\":4")) {
            throw new IllegalStateException("not connected: " + head);
        }
        return ch;
    }

    private void send(EmbeddedChannel ch, String json) {
        ch.writeInbound(Unpooled.wrappedBuffer(maskedFrame(body(json))));
    }

    /** A client's frame (text or binary), masked as a client must, with the all-zero key: the payload reads as it is. */
    private byte[] maskedFrame(byte[] payload) {
        if (payload.length >= 65536) {
            throw new IllegalArgumentException("a short frame");
        }
        int header = payload.length < 126 ? 2 : 4;
        byte[] frame = new byte[header + 4 + payload.length];
        frame[0] = (byte) (binary() ? 0x82 : 0x81);
        if (payload.length < 126) {
            frame[1] = (byte) (0x80 | payload.length);
        } else {
            frame[1] = (byte) (0x80 | 126);
            frame[2] = (byte) (payload.length >>> 8);
            frame[3] = (byte) payload.length;
        }
        System.arraycopy(payload, 0, frame, header + 4, payload.length);
        return frame;
    }

    private static int indexOf(byte[] in, String what) {
        return indexOf(in, what.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Where {@code tag} is followed by {@code value}'s four bytes, big-endian. */
    private static int indexOf(byte[] in, byte tag, long value) {
        return indexOf(in, new byte[] {tag, (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }

    private static int indexOf(byte[] in, byte[] w) {
        outer:
        for (int i = 0; i + w.length <= in.length; i++) {
            for (int j = 0; j < w.length; j++) {
                if (in[i + j] != w[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not in the frame");
    }

    /** Runs the channel's loop and releases what it wrote; returns the bytes written. */
    private static int release(EmbeddedChannel ch) {
        ch.runPendingTasks();
        int bytes = 0;
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            bytes += b.readableBytes();
            b.release();
        }
        return bytes;
    }
}
