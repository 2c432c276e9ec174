package dev.hubbub.transport.ws;

import static dev.hubbub.transport.ws.WsFrames.JSON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.transport.TestBroker;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.tls.TransportSecurity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import dev.hubbub.transport.BrokerServer;
import dev.hubbub.transport.EmbeddedOutbound;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The whole per-connection pipeline, as BrokerServer builds it, on an EmbeddedChannel fed raw
 * bytes: the HTTP upgrade, masked client frames in, server frames out, the REST fallback, and
 * idle handling with the embedded loop's clock.
 */
class HttpEntryPipelineTest {
    private static final long IDLE_MS = 15_000;

    private final TestBroker core = new TestBroker();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void tearDown() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** One connection: the server pipeline plus a client-side frame encoder and decoder. */
    final class Wire {
        final EmbeddedChannel server = new EmbeddedChannel();
        final EmbeddedChannel clientOut = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
        final EmbeddedChannel clientIn = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 24));

        Wire() {
            this(TransportSecurity.NONE);
        }

        Wire(TransportSecurity security) {
            channels.add(server);
            channels.add(clientOut);
            channels.add(clientIn);
            server.freezeTime();
            // the same pipeline the server installs on every accepted connection
            BrokerServer.configure(server.pipeline(), core.connector, core.rest(), core.limits,
                    new BrokerServer.Options("127.0.0.1", 0, 1, 8L << 20, 1 << 20, 1000), security);
        }

        void writeRaw(String text) { server.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1)); }

        /** Everything the server wrote so far, as one byte array. */
        byte[] outboundBytes() { return EmbeddedOutbound.drain(server); }

        /** Sends the upgrade; returns the HTTP response head and feeds any frames after it to the client decoder. */
        String upgrade(String pathAndQuery) {
            writeRaw("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            byte[] bytes = outboundBytes();
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            assertTrue(end > 0, text);
            clientIn.writeInbound(Unpooled.wrappedBuffer(bytes, end + 4, bytes.length - end - 4));
            return text.substring(0, end);
        }

        void send(WebSocketFrame frame) {
            clientOut.writeOutbound(frame);
            for (Object o; (o = clientOut.readOutbound()) != null; ) {
                server.writeInbound(o);
            }
        }

        /** Frames the server sent since the last call. */
        List<WebSocketFrame> frames() {
            byte[] bytes = outboundBytes();
            if (bytes.length > 0) {
                clientIn.writeInbound(Unpooled.wrappedBuffer(bytes));
            }
            List<WebSocketFrame> out = new ArrayList<>();
            for (Object o; (o = clientIn.readInbound()) != null; ) {
                out.add((WebSocketFrame) o);
            }
            return out;
        }

        /** What the server wrote since the last call, one list of frames per write (per buffer it wrote). */
        List<List<WebSocketFrame>> writes() {
            server.runPendingTasks();
            List<List<WebSocketFrame>> writes = new ArrayList<>();
            for (Object o; (o = server.readOutbound()) != null; ) {
                clientIn.writeInbound(o);
                List<WebSocketFrame> frames = new ArrayList<>();
                for (Object f; (f = clientIn.readInbound()) != null; ) {
                    frames.add((WebSocketFrame) f);
                }
                writes.add(frames);
            }
            return writes;
        }

        /** Data frames since the last call, parsed; control frames are released. */
        List<JsonNode> data() {
            List<JsonNode> out = new ArrayList<>();
            for (WebSocketFrame f : frames()) {
                if (f instanceof TextWebSocketFrame || f instanceof BinaryWebSocketFrame) {
                    out.add(WsFrames.parse(f));
                } else {
                    f.release();
                }
            }
            return out;
        }
    }

    private static String connectQuery(String key, String clientId) {
        return "/?key=" + key.replace(":", "%3A") + (clientId == null ? "" : "&clientId=" + clientId)
                + "&format=json&heartbeats=false&v=2&agent=ably-java%2F1.2.54";
    }

    @Test
    void malformedUpgradeUriGets400WithoutEchoingTheCredentials() {
        Wire w = new Wire();
        w.writeRaw("GET /?key=app1.full:topsecret&clientId=100% HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        String response = new String(w.outboundBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertFalse(response.contains("topsecret"), response);
    }

    /**
     * An Ably JWT of about {@code bytes} bytes, signed with the full key's secret and valid at the
     * test clock; its capability names many channels, as real tokens with fine-grained rights do.
     */
    private static String jwtOfAbout(int bytes) {
        java.time.Instant now = java.time.Instant.ofEpochMilli(TestBroker.NOW);
        StringBuilder channels = new StringBuilder();
        for (int i = 0; ; i++) {
            channels.append(i == 0 ? "" : ",").append("\"room-").append(i).append("\":[\"subscribe\",\"publish\"]");
            String jwt = com.auth0.jwt.JWT.create().withKeyId("app1.full").withIssuedAt(now).withExpiresAt(now.plusSeconds(3600))
                    .withClaim("x-ably-capability", "{" + channels + "}")
                    .sign(com.auth0.jwt.algorithms.Algorithm.HMAC256("secret1".getBytes(StandardCharsets.UTF_8)));
            if (jwt.length() >= bytes) {
                return jwt;
            }
        }
    }

    @Test
    void longJwtsInTheConnectUrlReachTheProtocol() {
        for (int size : new int[] {6_000, 12_000}) {
            String jwt = jwtOfAbout(size);
            assertTrue(jwt.length() >= size && jwt.length() < size + 100, "about " + size + ": " + jwt.length());
            Wire w = new Wire();
            String head = w.upgrade("/?accessToken=" + jwt + "&format=json&heartbeats=false&v=2");
            assertTrue(head.startsWith("HTTP/1.1 101"), "a " + jwt.length() + "-byte JWT: " + head);
            // the protocol judges the token (this test core verifies none: 40143); the e2e test connects with one
            JsonNode first = w.data().get(0);
            int code = first.path("error").path("code").asInt();
            assertTrue(first.path("action").asInt() == 4 || ErrorCode.isTokenError(code), first::toString);
        }
    }

    @Test
    void aRequestLineOverTheLimitGets414WithoutEchoingIt() {
        Wire w = new Wire();
        String secret = "x".repeat(BrokerServer.MAX_INITIAL_LINE_BYTES);
        w.writeRaw("GET /?accessToken=" + secret + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n");
        String response = new String(w.outboundBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(response.startsWith("HTTP/1.1 414"), response.substring(0, Math.min(200, response.length())));
        assertTrue(response.contains("41400"), response);
        assertFalse(response.contains("xxxxxxxx"), "never quotes the request line");
        assertFalse(w.server.isOpen());
    }

    @Test
    void headersOverTheLimitGet431() {
        Wire w = new Wire();
        w.writeRaw("GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + "y".repeat(BrokerServer.MAX_HEADER_BYTES) + "\r\n\r\n");
        String response = new String(w.outboundBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(response.startsWith("HTTP/1.1 431"), response.substring(0, Math.min(200, response.length())));
        assertTrue(response.contains("43100"), response);
        assertFalse(response.contains("yyyyyyyy"), "never quotes the headers");
        assertFalse(w.server.isOpen());
    }

    @Test
    void upgradeWithoutAKeyHeaderGets400() {
        Wire w = new Wire();
        w.writeRaw("GET /?format=json HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n");
        String response = new String(w.outboundBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
    }

    @Test
    void malformedRestUriGets400() {
        Wire w = new Wire();
        w.writeRaw("GET /%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        String response = new String(w.outboundBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertTrue(response.contains("40000"), response);
    }

    @Test
    void upgradeBuildsTheRealtimePipelineAndConnects() {
        Wire w = new Wire();
        String head = w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        assertTrue(head.startsWith("HTTP/1.1 101"), head);
        List<String> names = w.server.pipeline().names();
        assertTrue(names.contains(PipelineNames.REALTIME), names::toString);
        assertFalse(names.contains(PipelineNames.WS_AGGREGATOR), "no aggregator until a client fragments a message: " + names);
        assertNull(w.server.pipeline().get(IdleStateHandler.class), "liveness is the realtime handler's own timer: " + names);
        assertFalse(names.contains(PipelineNames.HTTP_ENTRY), names::toString);
        assertFalse(names.contains(PipelineNames.HTTP_AGGREGATOR), names::toString);

        List<JsonNode> frames = w.data();
        assertEquals(1, frames.size(), frames::toString);
        assertEquals(4, frames.get(0).path("action").asInt());
        assertEquals("alice", frames.get(0).path("connectionDetails").path("clientId").asText());
    }

    @Test
    void clientFramesInServerFramesOut() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.data();
        w.send(new TextWebSocketFrame("{\"action\":10,\"channel\":\"room\"}"));
        // ably-java: JSON in a binary frame
        w.send(new BinaryWebSocketFrame(Unpooled.copiedBuffer(
                "{\"action\":15,\"channel\":\"room\",\"msgSerial\":0,\"messages\":[{\"data\":\"hi\"}]}", StandardCharsets.UTF_8)));
        List<WebSocketFrame> frames = w.frames();
        frames.forEach(f -> assertInstanceOf(TextWebSocketFrame.class, f));
        List<JsonNode> parsed = frames.stream().map(WsFrames::parse).toList();
        assertEquals(11, parsed.get(0).path("action").asInt());
        List<Integer> rest = parsed.subList(1, parsed.size()).stream().map(n -> n.path("action").asInt()).sorted().toList();
        assertEquals(List.of(1, 15), rest, parsed::toString);
    }

    @Test
    void wrongKeyStillUpgradesThenErrorAndClose() {
        Wire w = new Wire();
        String head = w.upgrade(connectQuery("app1.full:wrong", null));
        assertTrue(head.startsWith("HTTP/1.1 101"), "authentication failures never refuse the upgrade: " + head);
        List<WebSocketFrame> frames = w.frames();
        assertEquals(1, frames.size(), "the ERROR, then time for the client to read it: " + frames);
        JsonNode error = WsFrames.parse(frames.get(0));
        assertEquals(9, error.path("action").asInt());
        assertEquals(40101, error.path("error").path("code").asInt());
        assertTrue(w.server.isOpen());
        w.server.advanceTimeBy(1000, TimeUnit.MILLISECONDS);
        w.server.runScheduledPendingTasks();
        frames = w.frames();
        assertInstanceOf(CloseWebSocketFrame.class, frames.get(0));
        frames.get(0).release();
        assertFalse(w.server.isOpen(), "closed once the linger ran out");
    }

    /** The last frame is out; the client had the linger to close by itself; then a Close frame and the close. */
    private static void closedAfterTheLinger(Wire w) {
        assertTrue(w.server.isOpen());
        w.server.advanceTimeBy(1000, TimeUnit.MILLISECONDS);
        w.server.runScheduledPendingTasks();
        List<WebSocketFrame> frames = w.frames();
        assertInstanceOf(CloseWebSocketFrame.class, frames.get(0));
        frames.forEach(ReferenceCountUtil::release);
        assertFalse(w.server.isOpen());
    }

    @Test
    void unknownFormatGetsErrorAndClose() {
        Wire w = new Wire();
        assertTrue(w.upgrade("/?key=" + TestBroker.FULL_KEY + "&format=xml").startsWith("HTTP/1.1 101"));
        List<WebSocketFrame> frames = w.frames();
        assertEquals(1, frames.size(), frames::toString);
        assertEquals(40000, WsFrames.parse(frames.get(0)).path("error").path("code").asInt());
        assertEquals(0, core.metrics.connections());
        assertEquals(1, core.core.count("broker.disconnects", "reason", "endpoint_refused"), "refused through the one way out");
        assertEquals(0, core.core.count("broker.auth.failed", "code", "40000"), "not an authentication failure");
        closedAfterTheLinger(w);
    }

    @Test
    void aRefusedClientThatClosesIsNotKeptWaitingForTheLinger() {
        Wire w = new Wire();
        w.upgrade("/elsewhere?key=" + TestBroker.FULL_KEY);
        w.frames().forEach(ReferenceCountUtil::release);
        w.send(new CloseWebSocketFrame(1000, ""));
        List<WebSocketFrame> frames = w.frames();
        assertInstanceOf(CloseWebSocketFrame.class, frames.get(0), frames::toString);
        frames.forEach(ReferenceCountUtil::release);
        assertFalse(w.server.isOpen(), "closed on the client's close, before the linger");
    }

    @Test
    void realtimeOnlyAtTheRootPath() {
        Wire w = new Wire();
        assertTrue(w.upgrade("/elsewhere?key=" + TestBroker.FULL_KEY).startsWith("HTTP/1.1 101"));
        List<WebSocketFrame> frames = w.frames();
        assertEquals(40400, WsFrames.parse(frames.get(0)).path("error").path("code").asInt());
        frames.subList(1, frames.size()).forEach(ReferenceCountUtil::release);
        closedAfterTheLinger(w);
    }

    @Test
    void plainHttpGoesToRestWithCors() throws Exception {
        Wire w = new Wire();
        w.writeRaw("GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://app.example\r\n\r\n");
        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        channels.add(client);
        client.writeInbound(Unpooled.wrappedBuffer(w.outboundBytes()));
        FullHttpResponse response = client.readInbound();
        try {
            assertEquals(200, response.status().code());
            assertEquals("http://app.example", response.headers().get("Access-Control-Allow-Origin"));
            assertEquals(TestBroker.NOW, JSON.readTree(response.content().toString(StandardCharsets.UTF_8)).get(0).asLong());
        } finally {
            response.release();
        }
        assertTrue(w.server.isOpen(), "HTTP/1.1 keeps the connection alive");
    }

    private static final TransportSecurity STRICT = new TransportSecurity(null, true);

    /** The REST answer to a raw request. */
    private FullHttpResponse rest(Wire w, String request) {
        w.writeRaw(request);
        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        channels.add(client);
        client.writeInbound(Unpooled.wrappedBuffer(w.outboundBytes()));
        return client.readInbound();
    }

    @Test
    void strictModeRefusesAKeyOnAPlaintextRealtimeConnectWith40103() {
        Wire w = new Wire(STRICT);
        assertTrue(w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice")).startsWith("HTTP/1.1 101"));
        List<WebSocketFrame> frames = w.frames();
        assertEquals(1, frames.size(), frames::toString);
        JsonNode error = WsFrames.parse(frames.get(0));
        assertEquals(9, error.path("action").asInt(), error::toString);
        assertEquals(40103, error.path("error").path("code").asInt(), error::toString);
        assertEquals(401, error.path("error").path("statusCode").asInt(), error::toString);
        assertEquals(0, core.metrics.connections(), "never connected");
        closedAfterTheLinger(w);
    }

    @Test
    void strictModeJudgesATokenOnPlaintextAsAToken() {
        Wire w = new Wire(STRICT);
        w.upgrade("/?accessToken=not-a-real-token&format=json&v=2");
        List<WebSocketFrame> frames = w.frames();
        int code = WsFrames.parse(frames.get(0)).path("error").path("code").asInt();
        frames.subList(1, frames.size()).forEach(ReferenceCountUtil::release);
        assertTrue(code != 40103 && code / 100 == 401, "a token may travel without TLS, as on Ably: " + code);
    }

    @Test
    void strictModeRefusesBasicAuthOnPlaintextRestWith40103() throws Exception {
        Wire w = new Wire(STRICT);
        String basic = java.util.Base64.getEncoder().encodeToString(TestBroker.FULL_KEY.getBytes(StandardCharsets.UTF_8));
        var subscriber = core.subscribe("app1", "strict");
        FullHttpResponse refused = rest(w, "POST /channels/strict/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Basic " + basic + "\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"data\":\"x\"}");
        try {
            assertEquals(401, refused.status().code());
            assertEquals("40103", refused.headers().get("X-Ably-ErrorCode"));
            assertEquals(40103, JSON.readTree(refused.content().toString(StandardCharsets.UTF_8)).at("/error/code").asInt());
        } finally {
            refused.release();
        }
        assertTrue(subscriber.received().isEmpty(), "nothing published");
        FullHttpResponse time = rest(w, "GET /time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        try {
            assertEquals(200, time.status().code(), "requests without a key are served as before");
        } finally {
            time.release();
        }
    }

    @Test
    void aBrokenTlsStreamIsALostTransportNotAnInternalError() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.data();
        // what the SslHandler before the realtime handler fires for a corrupt record or a failed TLS read
        w.server.pipeline().fireExceptionCaught(new io.netty.handler.codec.DecoderException(
                new javax.net.ssl.SSLException("bad record MAC")));
        w.server.runPendingTasks();
        assertFalse(w.server.isOpen(), "closed at once: nothing more can be said over a broken TLS stream");
        assertTrue(w.frames().isEmpty(), "no DISCONNECTED 50000 written into it");
        assertEquals(1, core.core.count("broker.disconnects", "reason", "transport_lost"));
        assertEquals(0, core.core.count("broker.disconnects", "reason", "internal_error"));
    }

    /**
     * A client that needs protocol HEARTBEATs (it sent heartbeats=true, or said nothing: every
     * client can see a HEARTBEAT) and is quiet both ways gets, at maxIdleInterval, a HEARTBEAT and a
     * ping (which its pong answers), in one write: one system call a round, not two.
     */
    @Test
    void quietConnectionGetsAHeartbeatAndAPingInOneWriteAfterMaxIdleInterval() {
        String sdkQuery = connectQuery(TestBroker.FULL_KEY, "alice");
        for (String query : List.of(sdkQuery.replace("&heartbeats=false", ""), sdkQuery.replace("heartbeats=false", "heartbeats=true"))) {
            Wire w = new Wire();
            w.upgrade(query);
            w.data();
            // an EmbeddedChannel's id hashes to 0, which gives no slack: due at the whole interval
            // (RealtimeHandlerTest covers connections with a slack)
            assertEquals(0, RealtimeHandler.slackNanos(w.server.id().hashCode(), TimeUnit.MILLISECONDS.toNanos(IDLE_MS)));
            w.server.advanceTimeBy(IDLE_MS - 1, TimeUnit.MILLISECONDS);
            w.server.runScheduledPendingTasks();
            assertTrue(w.writes().isEmpty(), "nothing before maxIdleInterval");

            w.server.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            w.server.runScheduledPendingTasks();
            List<List<WebSocketFrame>> writes = w.writes();
            assertEquals(1, writes.size(), query + ": one write, was " + writes);
            List<WebSocketFrame> frames = writes.get(0);
            assertEquals(2, frames.size(), frames::toString);
            assertEquals("{\"action\":0}", WsFrames.parse(frames.get(0)).toString(), "a protocol HEARTBEAT: " + frames);
            assertInstanceOf(PingWebSocketFrame.class, frames.get(1));
            frames.get(1).release();
            assertTrue(w.server.isOpen());
        }
    }

    /**
     * A client that sees WebSocket pings (heartbeats=false, as ably-java and ably-js on Node send,
     * RTN23b) is kept alive by one ping a round and nothing else: no HEARTBEAT beside it. Answering
     * each ping keeps it connected round after round.
     */
    @Test
    void aClientThatSeesPingsGetsOnePingARoundAndNoHeartbeat() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.data();
        assertEquals(0, RealtimeHandler.slackNanos(w.server.id().hashCode(), TimeUnit.MILLISECONDS.toNanos(IDLE_MS)));
        for (int round = 1; round <= 4; round++) {
            w.server.advanceTimeBy(IDLE_MS - 1, TimeUnit.MILLISECONDS);
            w.server.runScheduledPendingTasks();
            assertTrue(w.writes().isEmpty(), "round " + round + ": nothing before maxIdleInterval");
            w.server.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            w.server.runScheduledPendingTasks();
            List<List<WebSocketFrame>> writes = w.writes();
            assertEquals(1, writes.size(), "round " + round + ": " + writes);
            assertEquals(1, writes.get(0).size(), "round " + round + ": a ping alone, was " + writes);
            assertInstanceOf(PingWebSocketFrame.class, writes.get(0).get(0));
            writes.get(0).get(0).release();
            w.send(new PongWebSocketFrame());
            assertTrue(w.server.isOpen(), "round " + round);
        }
    }

    /**
     * A browser: ably-js there sends heartbeats=true, cannot see WebSocket pings (the browser answers
     * them with pongs by itself) and drops the transport when no protocol message arrives for
     * maxIdleInterval + 10 s. Pings must therefore not stand in for the protocol HEARTBEAT.
     */
    @Test
    void clientThatOnlyAnswersPingsStillReceivesProtocolHeartbeats() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice").replace("heartbeats=false", "heartbeats=true"));
        w.send(new TextWebSocketFrame("{\"action\":10,\"channel\":\"room\"}"));
        w.data();
        long lastData = 0;
        long longestGap = 0;
        for (long now = 1_000; now <= 180_000; now += 1_000) {
            w.server.advanceTimeBy(1_000, TimeUnit.MILLISECONDS);
            w.server.runScheduledPendingTasks();
            boolean pinged = false;
            for (WebSocketFrame f : w.frames()) {
                if (f instanceof TextWebSocketFrame) {
                    lastData = now;
                } else if (f instanceof PingWebSocketFrame) {
                    pinged = true;
                }
                f.release();
            }
            if (pinged) {
                w.send(new PongWebSocketFrame());
            }
            longestGap = Math.max(longestGap, now - lastData);
            assertTrue(w.server.isOpen(), "a client that answers pings is never dropped (t=" + now + ")");
        }
        assertTrue(longestGap <= IDLE_MS, "longest gap without a protocol message was " + longestGap + " ms");
    }

    @Test
    void busyConnectionGetsNoHeartbeat() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.data();
        for (int i = 0; i < 3; i++) {
            w.server.advanceTimeBy(IDLE_MS / 2, TimeUnit.MILLISECONDS);
            w.server.runScheduledPendingTasks();
            w.send(new TextWebSocketFrame("{\"action\":0,\"id\":\"p" + i + "\"}"));
            List<JsonNode> frames = w.data();
            assertEquals(1, frames.size(), frames::toString);
            assertEquals("p" + i, frames.get(0).path("id").asText(), "only the answer to the client's own heartbeat");
        }
    }

    @Test
    void silentClientIsPingedThenDropped() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.send(new TextWebSocketFrame("{\"action\":10,\"channel\":\"room\"}"));
        w.data();
        w.server.advanceTimeBy(IDLE_MS, TimeUnit.MILLISECONDS);
        w.server.runScheduledPendingTasks();
        List<WebSocketFrame> frames = w.frames();
        assertTrue(frames.stream().anyMatch(f -> f instanceof PingWebSocketFrame), frames::toString);
        frames.forEach(ReferenceCountUtil::release);
        assertTrue(w.server.isOpen());

        w.server.advanceTimeBy(IDLE_MS, TimeUnit.MILLISECONDS);
        w.server.runScheduledPendingTasks();
        w.frames().forEach(ReferenceCountUtil::release);
        assertFalse(w.server.isOpen(), "silent for twice maxIdleInterval: dropped");
        assertEquals(0, core.router.channelCount());
        assertEquals(0, core.metrics.connections());
    }

    @Test
    void pongKeepsAClientAlive() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.data();
        for (int i = 0; i < 4; i++) {
            w.server.advanceTimeBy(IDLE_MS, TimeUnit.MILLISECONDS);
            w.server.runScheduledPendingTasks();
            w.frames().forEach(ReferenceCountUtil::release);
            w.send(new PongWebSocketFrame());
        }
        assertTrue(w.server.isOpen());
        assertEquals(1, core.metrics.connections());
    }

    @Test
    void frameOverMaxFrameSizeFailsTheConnectionWith40009() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.data();
        String huge = "{\"action\":0,\"id\":\"" + "x".repeat(524_288) + "\"}";
        w.send(new TextWebSocketFrame(huge));
        List<WebSocketFrame> frames = w.frames();
        assertFalse(frames.isEmpty());
        JsonNode error = WsFrames.parse(frames.get(0));
        assertEquals(9, error.path("action").asInt());
        assertEquals(40009, error.path("error").path("code").asInt());
        assertNull(error.get("channel"));
        frames.subList(1, frames.size()).forEach(ReferenceCountUtil::release);
        assertEquals(0, core.metrics.connections());
        w.server.advanceTimeBy(1000, TimeUnit.MILLISECONDS);
        w.server.runScheduledPendingTasks();
        w.frames().forEach(ReferenceCountUtil::release);
        assertFalse(w.server.isOpen(), "closed once the linger ran out");
    }

    @Test
    void aFragmentedMessageIsReassembledAndTheAggregatorStaysForTheNext() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.data();
        w.send(new TextWebSocketFrame(false, 0, "{\"action\":10,"));
        assertTrue(w.data().isEmpty(), "half a message is not a message");
        assertNotNull(w.server.pipeline().get(PipelineNames.WS_AGGREGATOR));
        w.send(new ContinuationWebSocketFrame(true, 0, "\"channel\":\"room\"}"));
        List<JsonNode> attached = w.data();
        assertEquals(1, attached.size(), attached::toString);
        assertEquals(11, attached.get(0).path("action").asInt());
        assertEquals("room", attached.get(0).path("channel").asText());
        // the next fragmented message goes through the same aggregator; a whole one still passes
        w.send(new TextWebSocketFrame(false, 0, "{\"action\":10,\"chan"));
        w.send(new ContinuationWebSocketFrame(false, 0, "nel\":\"ro"));
        w.send(new ContinuationWebSocketFrame(true, 0, "om2\"}"));
        w.send(new TextWebSocketFrame("{\"action\":10,\"channel\":\"room3\"}"));
        List<String> channels = w.data().stream().map(n -> n.path("channel").asText()).toList();
        assertEquals(List.of("room2", "room3"), channels);
        assertEquals(1, w.server.pipeline().names().stream().filter(PipelineNames.WS_AGGREGATOR::equals).count());
        assertTrue(w.server.isOpen());
    }

    @Test
    void fragmentsOverMaxFrameSizeTogetherFailTheConnectionWith40009() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.data();
        String part = "x".repeat(300_000); // each fragment under maxFrameSize (512 KiB), the two together over it
        w.send(new TextWebSocketFrame(false, 0, "{\"action\":0,\"id\":\"" + part));
        w.send(new ContinuationWebSocketFrame(true, 0, part + "\"}"));
        List<WebSocketFrame> frames = w.frames();
        assertFalse(frames.isEmpty());
        JsonNode error = WsFrames.parse(frames.get(0));
        assertEquals(9, error.path("action").asInt(), error::toString);
        assertEquals(40009, error.path("error").path("code").asInt(), error::toString);
        frames.subList(1, frames.size()).forEach(ReferenceCountUtil::release); // parse released the first
    }

    @Test
    void largeButLegalFrameIsAccepted() {
        Wire w = new Wire();
        w.upgrade(connectQuery(TestBroker.FULL_KEY, "alice"));
        w.data();
        // under maxFrameSize but over maxMessageSize: a NACK, and the connection stays
        w.send(new TextWebSocketFrame("{\"action\":15,\"channel\":\"room\",\"msgSerial\":0,\"messages\":[{\"data\":\""
                + "x".repeat(100_000) + "\"}]}"));
        List<JsonNode> frames = w.data();
        assertEquals(2, frames.get(0).path("action").asInt(), frames::toString);
        assertEquals(40009, frames.get(0).path("error").path("code").asInt());
        assertTrue(w.server.isOpen());
    }
}
