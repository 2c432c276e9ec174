package dev.hubbub.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.transport.BrokerServer;
import dev.hubbub.transport.TestBroker;
import dev.hubbub.transport.tls.TransportSecurity;
import dev.hubbub.transport.ws.PipelineNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RequestGate} on an EmbeddedChannel, in front of a real aggregator, fed decoded HTTP
 * objects: what it admits reaches the end of the pipeline whole, what it refuses is answered from
 * the head and its body bytes are released without being aggregated. The body deadline runs on the
 * embedded loop's clock. The last tests go through the whole pipeline BrokerServer installs.
 */
class RequestGateTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REQUEST = 1 << 20;
    private static final int MAX_TOKEN_REQUEST = 8 * 1024;
    private static final long BODY_TIMEOUT_MS = 10_000;
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
            TestBroker.FULL_KEY.getBytes(StandardCharsets.UTF_8));

    private final TestBroker core = new TestBroker();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    /** What reached the end of the gate's pipeline (after the aggregator). */
    private final List<Object> passed = new ArrayList<>();

    @AfterEach
    void tearDown() {
        passed.forEach(ReferenceCountUtil::release);
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** gate, aggregator, and a recorder of what gets through */
    private EmbeddedChannel gate() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new RequestGate(new RestAuth(core.core.authenticator),
                        new RequestGate.Settings(MAX_REQUEST, MAX_TOKEN_REQUEST, BODY_TIMEOUT_MS)))
                .addLast(new HttpObjectAggregator(MAX_REQUEST))
                .addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) { passed.add(msg); }
                });
        channels.add(ch);
        return ch;
    }

    private static HttpRequest post(String uri, long contentLength) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        r.headers().set(HttpHeaderNames.HOST, "127.0.0.1");
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        HttpUtil.setContentLength(r, contentLength);
        return r;
    }

    private static HttpRequest chunkedPost(String uri) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
        r.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        return r;
    }

    private static HttpContent chunk(int bytes) { return new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[bytes])); }

    private static LastHttpContent last(String text) {
        return new DefaultLastHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    /** The one response the gate wrote: its status, Ably code, and the connection closed after it. */
    private static JsonNode refusal(EmbeddedChannel ch, int status, int code) throws Exception {
        FullHttpResponse response = ch.readOutbound();
        try {
            assertEquals(status, response.status().code(), () -> response.content().toString(StandardCharsets.UTF_8));
            assertEquals(Integer.toString(code), response.headers().get("X-Ably-ErrorCode"));
            assertEquals("close", response.headers().get(HttpHeaderNames.CONNECTION));
            assertNull(ch.readOutbound(), "one answer, nothing else (no 100 Continue)");
            assertFalse(ch.isOpen(), "closed once the answer is written");
            JsonNode body = JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
            assertEquals(code, body.at("/error/code").asInt());
            return body;
        } finally {
            response.release();
        }
    }

    @Test
    void anUnauthenticatedBodyIsRefusedFromItsHeadBeforeAnyByteOfIt() throws Exception {
        EmbeddedChannel ch = gate();
        HttpRequest head = post("/channels/x/messages", 1_000_000);
        head.headers().set(HttpHeaderNames.ORIGIN, "https://app.example");
        head.headers().set(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE);
        ch.writeInbound(head);
        FullHttpResponse response = ch.readOutbound();
        try {
            assertEquals(401, response.status().code());
            assertEquals("40101", response.headers().get("X-Ably-ErrorCode"));
            assertEquals("https://app.example", response.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN),
                    "CORS on early answers: browsers call the REST API");
            assertEquals("close", response.headers().get(HttpHeaderNames.CONNECTION));
        } finally {
            response.release();
        }
        assertNull(ch.readOutbound(), "the refusal instead of 100 Continue");
        assertFalse(ch.isOpen());
        assertTrue(passed.isEmpty(), passed::toString);
    }

    @Test
    void bodyBytesArrivingAfterARefusalAreReleasedAndNeverAggregated() throws Exception {
        EmbeddedChannel ch = gate();
        HttpContent first = chunk(64 * 1024);
        HttpContent second = chunk(64 * 1024);
        LastHttpContent end = last("x");
        // what a socket read loop delivers before the close takes effect
        ch.writeInbound(post("/channels/x/messages", 128 * 1024 + 1), first, second, end);
        refusal(ch, 401, 40101);
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
        assertEquals(0, end.refCnt());
        assertTrue(passed.isEmpty(), passed::toString);
    }

    @Test
    void anAuthenticatedPublishPassesWithItsBody() {
        EmbeddedChannel ch = gate();
        HttpRequest head = post("/channels/x/messages", 12);
        head.headers().set(HttpHeaderNames.AUTHORIZATION, BASIC);
        ch.writeInbound(head, last("{\"data\":\"x\"}"));
        assertEquals(1, passed.size(), passed::toString);
        FullHttpRequest whole = assertInstanceOf(FullHttpRequest.class, passed.get(0));
        assertEquals("{\"data\":\"x\"}", whole.content().toString(StandardCharsets.UTF_8));
        assertNull(ch.readOutbound());
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(BODY_TIMEOUT_MS * 2, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertNull(ch.readOutbound(), "a complete body cancels its deadline");
        assertTrue(ch.isOpen());
    }

    @Test
    void aTokenRequestForAnUnknownKeyIsAnsweredAtOnce() throws Exception {
        EmbeddedChannel ch = gate();
        ch.writeInbound(post("/keys/app1.nosuch/requestToken", 300));
        JsonNode body = refusal(ch, 401, 40101);
        assertEquals(TokenAuthority.unknownKey().message(), body.at("/error/message").asText(),
                "the same answer the token route gives");
        assertTrue(passed.isEmpty());
    }

    @Test
    void aTokenRequestForAKnownKeyNeedsNoCredentials() {
        EmbeddedChannel ch = gate();
        String tokenRequest = "{\"keyName\":\"app1.full\",\"nonce\":\"0123456789abcdef\",\"mac\":\"x\"}";
        ch.writeInbound(post("/keys/app1.full/requestToken", tokenRequest.length()), last(tokenRequest));
        assertEquals(1, passed.size(), "passed to the token route, which checks the signature");
        assertTrue(ch.isOpen());
    }

    @Test
    void aTokenRequestOverItsSmallCapIs413() throws Exception {
        EmbeddedChannel ch = gate();
        ch.writeInbound(post("/keys/app1.full/requestToken", MAX_TOKEN_REQUEST + 1));
        refusal(ch, 413, 40009);
        assertTrue(passed.isEmpty());
    }

    @Test
    void aContentLengthOverTheCapIs413EvenWhenAuthenticated() throws Exception {
        EmbeddedChannel ch = gate();
        HttpRequest head = post("/channels/x/messages", MAX_REQUEST + 1);
        head.headers().set(HttpHeaderNames.AUTHORIZATION, BASIC);
        ch.writeInbound(head);
        refusal(ch, 413, 40009);
    }

    @Test
    void aChunkedBodyIs413WhenItPassesTheCap() throws Exception {
        EmbeddedChannel ch = gate();
        HttpRequest head = chunkedPost("/keys/app1.full/requestToken");
        ch.writeInbound(head, chunk(MAX_TOKEN_REQUEST / 2), chunk(MAX_TOKEN_REQUEST / 2));
        assertNull(ch.readOutbound(), "at the cap, not past it");
        assertTrue(ch.isOpen());
        HttpContent over = chunk(1);
        ch.writeInbound(over);
        refusal(ch, 413, 40009);
        assertEquals(0, over.refCnt());
        assertTrue(passed.isEmpty(), "the aggregator never completed the request");
    }

    @Test
    void aTricklingBodyIs408AfterTheBodyTimeout() throws Exception {
        EmbeddedChannel ch = gate();
        HttpRequest head = post("/channels/x/messages", 100);
        head.headers().set(HttpHeaderNames.AUTHORIZATION, BASIC);
        ch.writeInbound(head);
        for (int i = 0; i < 9; i++) { // a byte a second keeps any idle timeout quiet
            ch.writeInbound(chunk(1));
            ch.advanceTimeBy(1_000, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
        }
        ch.advanceTimeBy(BODY_TIMEOUT_MS - 9_000 - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertNull(ch.readOutbound(), "not before the deadline");
        assertTrue(ch.isOpen());
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        refusal(ch, 408, 40800);
        assertTrue(passed.isEmpty());
    }

    @Test
    void revokingTokensNeedsBasicAuthBeforeTheBody() throws Exception {
        EmbeddedChannel ch = gate();
        HttpRequest head = post("/keys/app1.full/revokeTokens", 50);
        head.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer some.jwt.token");
        ch.writeInbound(head);
        refusal(ch, 401, 40162);
    }

    @Test
    void bodilessRequestsAndUpgradesPassWithoutCredentials() {
        EmbeddedChannel ch = gate();
        HttpRequest upgrade = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/?accessToken=abc&format=json");
        upgrade.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        upgrade.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        ch.writeInbound(upgrade, LastHttpContent.EMPTY_LAST_CONTENT);
        HttpRequest time = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/time");
        ch.writeInbound(time, LastHttpContent.EMPTY_LAST_CONTENT);
        assertEquals(2, passed.size(), passed::toString);
        assertNull(ch.readOutbound());
        assertTrue(ch.isOpen());
    }

    // ---- through the whole pipeline BrokerServer installs, raw bytes in and out

    private EmbeddedChannel broker() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        BrokerServer.configure(ch.pipeline(), core.connector, core.rest(), core.limits,
                new BrokerServer.Options("127.0.0.1", 0, 1, 8L << 20, MAX_REQUEST, 1000), TransportSecurity.NONE);
        channels.add(ch);
        return ch;
    }

    private HttpResponse answer(EmbeddedChannel ch) {
        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
        channels.add(client);
        for (Object o; (o = ch.readOutbound()) != null; ) {
            client.writeInbound(o);
        }
        FullHttpResponse r = client.readInbound();
        passed.add(r);
        return r;
    }

    @Test
    void theGateSitsBetweenTheCodecAndTheAggregator() {
        List<String> names = broker().pipeline().names();
        int codec = names.indexOf(PipelineNames.HTTP_CODEC);
        int gate = names.indexOf(PipelineNames.HTTP_GATE);
        int aggregator = names.indexOf(PipelineNames.HTTP_AGGREGATOR);
        assertTrue(codec >= 0 && codec < gate && gate < aggregator, names::toString);
    }

    @Test
    void rawUnauthenticatedHeadOfAMegabyteBodyIsAnswered401() {
        EmbeddedChannel ch = broker();
        ch.writeInbound(Unpooled.copiedBuffer("POST /channels/x/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n", StandardCharsets.ISO_8859_1));
        HttpResponse r = answer(ch);
        assertEquals(401, r.status().code());
        assertFalse(ch.isOpen());
    }

    @Test
    void rawAuthenticatedPublishIsPublished() {
        EmbeddedChannel ch = broker();
        var subscriber = core.subscribe("app1", "gated");
        ch.writeInbound(Unpooled.copiedBuffer("POST /channels/gated/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: " + BASIC + "\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"data\":\"x\"}",
                StandardCharsets.ISO_8859_1));
        HttpResponse r = answer(ch);
        assertEquals(201, r.status().code());
        assertEquals(1, subscriber.received().size());
        assertTrue(ch.isOpen(), "keep-alive");
    }

    @Test
    void theGateLeavesThePipelineWithTheUpgrade() {
        EmbeddedChannel ch = broker();
        ch.writeInbound(Unpooled.copiedBuffer("GET /?key=" + TestBroker.FULL_KEY.replace(":", "%3A")
                + "&format=json HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ((ByteBuf) o).release();
        }
        List<String> names = ch.pipeline().names();
        assertTrue(names.contains(PipelineNames.REALTIME), names::toString);
        assertFalse(names.contains(PipelineNames.HTTP_GATE), names::toString);
    }
}
