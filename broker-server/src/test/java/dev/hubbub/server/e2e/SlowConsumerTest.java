package dev.hubbub.server.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.RawWebSocket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A subscriber that stops reading is disconnected once its unsent backlog passes the limit; the
 * broker's memory for it stays bounded and other subscribers get every message.
 */
class SlowConsumerTest {
    private static final long BACKLOG = 64 * 1024;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private BrokerApp app;
    private Socket stalled;

    @AfterEach
    void tearDown() throws Exception {
        if (stalled != null) {
            stalled.close();
        }
        if (members != null) {
            members.close();
        }
        if (app != null) {
            app.close();
        }
    }

    @Test
    void aSubscriberThatStopsReadingIsDroppedAndTheOthersGetEverything() throws Exception {
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0,
                List.of(new ApiKey("app1.full", "secret-full", Capability.ALL)),
                // the publisher sends 3,000 messages as fast as the healthy subscriber takes them
                Limits.defaults().withInboundRates(Limits.DEFAULT_INBOUND_RATE_DISCONNECT_AFTER, java.util.Map.of("app1.full", 1_000_000)),
                BACKLOG, 1);
        app = new BrokerApp(config, Clock.systemUTC(), registry);
        int port = app.start().getPort();
        String channel = TestServer.uniqueChannel("slow");

        stalled = stalledSubscriber(port, channel);
        try (RawWebSocket healthy = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?key=app1.full:secret-full&format=json&v=6"));
             RawWebSocket publisher = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?key=app1.full:secret-full&format=json&v=6"))) {
            healthy.awaitAction(4);
            publisher.awaitAction(4);
            healthy.send("{\"action\":10,\"channel\":\"" + channel + "\"}");
            healthy.await("ATTACHED", f -> f.path("action").asInt() == 11);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.router().find(
                    new dev.hubbub.core.channel.ChannelKey("app1", channel)).subscriberCount() == 2);

            String payload = "x".repeat(4000);
            int count = 3000; // 12 MB: past what the kernel buffers for the stalled socket, and its 64 KiB backlog
            // Published in windows of at most half the backlog limit, each once the healthy reader has all of the one
            // before: however late its reads (a descheduled thread on a busy machine), the healthy subscriber never has
            // more than one window unsent, far below the limit, while the stalled one's backlog grows with every window.
            int window = (int) (BACKLOG / 2 / payload.length());
            StalledRead dropped = null;
            for (int sent = 0; sent < count; ) {
                int end = Math.min(count, sent + window);
                for (int i = sent; i < end; i++) {
                    publisher.send("{\"action\":15,\"channel\":\"" + channel + "\",\"msgSerial\":" + i
                            + ",\"messages\":[{\"name\":\"n" + i + "\",\"data\":\"" + payload + "\"}]}");
                }
                sent = end;
                int delivered = sent;
                await().alias("the healthy subscriber has the first " + delivered + " messages").atMost(RawWebSocket.TIMEOUT)
                        .pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                        .until(() -> healthy.deliveredData(channel).size() >= delivered);
                if (dropped == null && slowConsumers() == 1.0) {
                    // read what the broker still held for it: its DISCONNECTED waits behind that backlog (for at most one
                    // maxIdleInterval), and the close linger starts only once it is out
                    dropped = drain(stalled);
                }
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> healthy.deliveredData(channel).size() == count);
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.counter("broker.connections.slow").count() == 1.0);
            await().atMost(Duration.ofSeconds(10)).until(() -> app.metrics().connections() == 2);
            assertTrue(healthy.isOpen());
            assertEquals(count, healthy.deliveredData(channel).size());

            // the stalled subscriber, reading at last, finds DISCONNECTED 80020 after far fewer than all the messages:
            // what the broker held for it stayed bounded
            if (dropped == null) {
                dropped = drain(stalled);
            }
            StalledRead read = dropped;
            assertNotNull(read.disconnected(), () -> "no DISCONNECTED after " + read.messages() + " messages");
            assertEquals(80020, read.disconnected().path("error").path("code").asInt(), read.disconnected()::toString);
            assertTrue(read.messages() < count, "the stalled subscriber was sent all " + read.messages() + " messages");
        }
    }

    /**
     * Every frame counts toward the backlog, not only fan-out: a client that attaches to a channel with a large presence
     * set and then asks for SYNC after SYNC without reading (80 MB of SYNC pages asked for) is disconnected 80020 once
     * what it was sent passes maxBacklogBytes, and reads, when it reads at last, far less than it asked for. Before,
     * the broker queued every page for it.
     */
    @Test
    void aClientThatAsksForSyncAfterSyncWithoutReadingIsDroppedWithABoundedBacklog() throws Exception {
        long backlog = 1024 * 1024;
        int port = startWithCrowd(new BrokerConfig("127.0.0.1", 0,
                List.of(new ApiKey("app1.full", "secret-full", Capability.ALL)), Limits.defaults(), backlog, 1));
        stalled = stalledSubscriber(port, crowd);
        askForSyncs(stalled, 200); // 80 MB of SYNC pages
        await().atMost(Duration.ofSeconds(10)).until(() -> slowConsumers() == 1.0);
        StalledRead read = drain(stalled);
        assertNotNull(read.disconnected(), () -> "no DISCONNECTED after " + read.bytes() + " bytes");
        assertEquals(80020, read.disconnected().path("error").path("code").asInt(), read.disconnected()::toString);
        assertTrue(read.bytes() < 16L * 1024 * 1024, "read " + read.bytes() + " bytes of the 80 MB asked for");
        await().atMost(Duration.ofSeconds(10)).until(() -> app.metrics().connections() == 1);
    }

    /**
     * When the node is short of direct memory, what a connection may have unsent drops from maxBacklogBytes (8 MiB
     * here) to backlogUnderPressureBytes (1 MiB), and a connection past it is closed at once: what it had not taken is
     * freed then, not after a DISCONNECTED behind it has gone out or an idle interval has passed. The pressure mark is
     * set below what this JVM's buffers already hold, so the node is under pressure from its first check.
     */
    @Test
    void underMemoryPressureAClientThatFallsBehindIsClosedAtOnce() throws Exception {
        io.netty.buffer.ByteBuf held = io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(1 << 20); // in use: over the mark
        try {
            int port = startWithCrowd(new BrokerConfig("127.0.0.1", 0,
                    List.of(new ApiKey("app1.full", "secret-full", Capability.ALL)), Limits.defaults(), 8L * 1024 * 1024, 1)
                    .withListenerLimits(dev.hubbub.transport.ListenerLimits.defaults()
                            .withMemoryPressure(new dev.hubbub.transport.MemoryPressure(64 * 1024, 1024 * 1024))));
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.get("broker.memory.pressure").gauge().value() == 1.0);
            stalled = stalledSubscriber(port, crowd);
            askForSyncs(stalled, 200);
            await().atMost(Duration.ofSeconds(10)).until(() -> slowConsumers() == 1.0);
            // gone before it reads anything
            await().atMost(Duration.ofSeconds(5)).until(() -> app.metrics().connections() == 1);
            StalledRead read = drain(stalled);
            assertEquals(null, read.disconnected(), "no DISCONNECTED: the connection went with what it had not taken");
            assertTrue(read.bytes() < 8L * 1024 * 1024, "read " + read.bytes() + " bytes");
        } finally {
            held.release();
        }
    }

    /**
     * A connection that fell behind before the pressure began, and is sent nothing more, is dropped when it begins: the
     * listener then checks every connection's backlog, not only the one it next sends a frame to (here that would be a
     * heartbeat, more than 11 s later). Its backlog (10 SYNCs, about 4 MB) is within the 8 MiB allowed without pressure
     * and over the 1 MiB allowed with it; the pressure begins when this test takes direct memory past the mark.
     */
    @Test
    void whenThePressureBeginsAConnectionAlreadyBehindIsDroppedThoughItIsSentNothingMore() throws Exception {
        long mib = 1024 * 1024;
        long mark = dev.hubbub.transport.MemoryPressure.directMemoryInUse() + 256 * mib;
        int port = startWithCrowd(new BrokerConfig("127.0.0.1", 0,
                List.of(new ApiKey("app1.full", "secret-full", Capability.ALL)), Limits.defaults(), 8 * mib, 1)
                .withListenerLimits(dev.hubbub.transport.ListenerLimits.defaults()
                        .withMemoryPressure(new dev.hubbub.transport.MemoryPressure(mark, mib))));
        stalled = stalledSubscriber(port, crowd);
        askForSyncs(stalled, 10);
        // one event loop: two round trips on another connection queue behind reading and answering those requests
        members.attach(TestServer.uniqueChannel("after-syncs"));
        members.attach(TestServer.uniqueChannel("after-syncs"));
        assertEquals(0.0, registry.get("broker.memory.pressure").gauge().value(), "not under pressure yet");
        assertEquals(0.0, slowConsumers(), "within the limit without pressure");

        io.netty.buffer.ByteBuf ballast = io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(
                Math.toIntExact(Math.max(0, mark - dev.hubbub.transport.MemoryPressure.directMemoryInUse()) + 64 * mib));
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> registry.get("broker.memory.pressure").gauge().value() == 1.0);
            assertTrue(registry.get("broker.memory.direct.used").gauge().value() > mark, "the figure it is judged on");
            await().atMost(Duration.ofSeconds(5)).until(() -> slowConsumers() == 1.0);
            await().atMost(Duration.ofSeconds(5)).until(() -> app.metrics().connections() == 1);
            StalledRead read = drain(stalled);
            assertEquals(null, read.disconnected(), "closed at once, with what it had not taken");
            assertTrue(members.isOpen(), "the other connection stays");
        } finally {
            ballast.release();
        }
    }

    private String crowd;
    /** The connection that entered {@link #crowd}'s members, open for the test. */
    private RawWebSocket members;

    /** Starts the broker with 200 members of 2 KB each on a new channel ({@link #crowd}): a SYNC of it is about 400 KB. */
    private int startWithCrowd(BrokerConfig config) throws Exception {
        app = new BrokerApp(config, Clock.systemUTC(), registry);
        int port = app.start().getPort();
        String channel = TestServer.uniqueChannel("crowd");
        crowd = channel;
        int count = 200;
        String data = "x".repeat(2_000); // a SYNC of the set: about 400 KB
        members = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?key=app1.full:secret-full&format=json&v=6"));
        members.awaitAction(4);
        members.attach(channel);
        for (int start = 0; start < count; start += 25) {
            com.fasterxml.jackson.databind.node.ArrayNode items = RawWebSocket.JSON.createArrayNode();
            for (int i = start; i < start + 25; i++) {
                items.add(RawWebSocket.presenceItem(2, "m" + i, data));
            }
            assertEquals(1, members.presence(channel, items).path("action").asInt(), "ACK");
        }
        assertEquals(count, app.presence().memberCount(new dev.hubbub.core.channel.ChannelKey("app1", channel)));
        return port;
    }

    /** Asks for {@code syncs} SYNCs of {@link #crowd} in one write, reading none of the answers. */
    private void askForSyncs(Socket s, int syncs) throws Exception {
        java.io.ByteArrayOutputStream frames = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < syncs; i++) {
            frames.write(maskedText("{\"action\":16,\"channel\":\"" + crowd + "\"}"));
        }
        s.getOutputStream().write(frames.toByteArray());
        s.getOutputStream().flush();
    }

    private double slowConsumers() { return registry.counter("broker.connections.slow").count(); }

    /**
     * What a stalled subscriber reads once it reads again: its MESSAGE frames, and the DISCONNECTED (null if none), and
     * how many bytes of frames.
     */
    private record StalledRead(int messages, JsonNode disconnected, long bytes) {}

    /** Reads the socket's server frames (unmasked, unfragmented) up to the Close frame or the end of the stream. */
    private static StalledRead drain(Socket s) throws Exception {
        s.setSoTimeout((int) RawWebSocket.TIMEOUT.toMillis());
        DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
        int messages = 0;
        JsonNode disconnected = null;
        long bytes = 0;
        try {
            for (;;) {
                int b0 = in.read();
                if (b0 < 0) {
                    break;
                }
                int opcode = b0 & 0x0f;
                int len = in.readUnsignedByte() & 0x7f;
                long length = len == 126 ? in.readUnsignedShort() : len == 127 ? in.readLong() : len;
                byte[] payload = new byte[Math.toIntExact(length)];
                in.readFully(payload);
                bytes += payload.length;
                if (opcode == 0x8) {
                    break;
                }
                if (opcode == 0x1) {
                    JsonNode frame = RawWebSocket.JSON.readTree(payload);
                    int action = frame.path("action").asInt();
                    if (action == 15) {
                        messages++;
                    } else if (action == 6) {
                        disconnected = frame;
                    }
                }
            }
        } catch (java.net.SocketException | java.io.EOFException cut) {
            // closed by the broker with requests of its own still unread (TCP reset), or at once in the middle of a
            // frame (under memory pressure): what was read before counts
        }
        return new StalledRead(messages, disconnected, bytes);
    }

    /** A raw socket that upgrades, attaches, then never reads again (with a small receive buffer). */
    private static Socket stalledSubscriber(int port, String channel) throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        OutputStream out = s.getOutputStream();
        out.write(("GET /?key=app1.full:secret-full&format=json&v=6 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("closed during the handshake: " + head);
            }
            head.append((char) b);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 101"), head.toString());
        out.write(maskedText("{\"action\":10,\"channel\":\"" + channel + "\"}"));
        out.flush();
        return s;
    }

    private static byte[] maskedText(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        if (payload.length > 125) {
            throw new IllegalArgumentException("short frames only");
        }
        byte[] mask = {1, 2, 3, 4};
        byte[] frame = new byte[2 + 4 + payload.length];
        frame[0] = (byte) 0x81;
        frame[1] = (byte) (0x80 | payload.length); // short frames only
        System.arraycopy(mask, 0, frame, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            frame[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
        }
        return frame;
    }
}
