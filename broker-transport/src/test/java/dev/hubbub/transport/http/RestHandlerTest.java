package dev.hubbub.transport.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.transport.TestBroker;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The REST API through {@link RestHandler#handle}, with a real core behind it. */
class RestHandlerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestBroker core = new TestBroker();
    private final RestHandler rest = core.rest();

    private static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(String s) { return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }

    private static FullHttpRequest request(HttpMethod method, String uri, String body) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        if (body != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        }
        return r;
    }

    private static FullHttpRequest post(String uri, String body, String authorization) {
        FullHttpRequest r = request(HttpMethod.POST, uri, body);
        if (authorization != null) {
            r.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        return r;
    }

    private FullHttpResponse handle(FullHttpRequest request) {
        try {
            return rest.handle(request).toCompletableFuture().join();
        } finally {
            request.release();
        }
    }

    private static JsonNode body(FullHttpResponse response) throws Exception {
        try {
            return JSON.readTree(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    /** Every REST error: exact Content-Type, Ably error body and headers. */
    private static void assertAblyError(int status, int code, FullHttpResponse response) throws Exception {
        assertEquals(status, response.status().code());
        assertEquals("application/json", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertEquals(Integer.toString(code), response.headers().get("X-Ably-ErrorCode"));
        assertNotNull(response.headers().get("X-Ably-ErrorMessage"));
        JsonNode error = body(response).path("error");
        assertEquals(code, error.path("code").asInt());
        assertEquals(status, error.path("statusCode").asInt());
        assertTrue(error.path("message").isTextual() && !error.path("message").asText().isEmpty());
    }

    @Test
    void timeIsAJsonArrayOfMillis() throws Exception {
        FullHttpResponse r = handle(request(HttpMethod.GET, "/time", null));
        assertEquals(200, r.status().code());
        assertEquals("application/json", r.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode body = body(r);
        assertTrue(body.isArray());
        assertEquals(1, body.size());
        assertEquals(TestBroker.NOW, body.get(0).asLong());
    }

    @Test
    void healthIsOkWithoutCredentialsOnGetOnly() throws Exception {
        FullHttpResponse r = handle(request(HttpMethod.GET, "/health", null));
        assertEquals(200, r.status().code());
        assertEquals("application/json", r.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode body = body(r);
        assertEquals("ok", body.path("status").textValue());
        assertEquals(0, body.path("connections").asInt(-1));
        assertAblyError(404, 40400, handle(request(HttpMethod.POST, "/health", null)));
    }

    @Test
    void publishWithBasicAuthIsCreatedAndDelivered() throws Exception {
        dev.hubbub.testkit.TestSubscriber sub = core.subscribe("app1", "news");
        FullHttpResponse r = handle(post("/channels/news/messages", "{\"name\":\"n\",\"data\":\"hello\"}", basic(TestBroker.FULL_KEY)));
        assertEquals(201, r.status().code());
        assertEquals("news", body(r).path("channel").asText());
        assertEquals(1, sub.received().size());
        Message m = sub.received().get(0).messages().get(0);
        assertEquals("hello", m.data());
        assertEquals(null, m.clientId(), "a key-only publisher without a clientId publishes none");
        assertEquals(TestBroker.NOW, m.timestamp());
        assertNotNull(m.id());
    }

    @Test
    void publishAcceptsAnArrayAndUrlEncodedChannelNames() throws Exception {
        dev.hubbub.testkit.TestSubscriber sub = core.subscribe("app1", "chat:room/1");
        FullHttpResponse r = handle(post("/channels/chat%3Aroom%2F1/messages",
                "[{\"data\":\"a\"},{\"data\":\"b\",\"clientId\":\"carol\"}]", basic(TestBroker.FULL_KEY)));
        assertEquals(201, r.status().code());
        r.release();
        List<Message> got = sub.received().get(0).messages();
        assertEquals(List.of("a", "b"), got.stream().map(Message::data).toList());
        assertEquals("carol", got.get(1).clientId());
    }

    @Test
    void clientIdHeaderIdentifiesThePublisher() throws Exception {
        dev.hubbub.testkit.TestSubscriber sub = core.subscribe("app1", "news");
        FullHttpRequest req = post("/channels/news/messages", "{\"data\":\"hi\"}", basic(TestBroker.FULL_KEY));
        req.headers().set("X-Ably-ClientId", b64("alice"));
        assertEquals(201, handle(req).status().code());
        assertEquals("alice", sub.received().get(0).messages().get(0).clientId());
    }

    @Test
    void clientIdHeaderPlusMessageClaimingAnotherClientIdIs40012() throws Exception {
        dev.hubbub.testkit.TestSubscriber sub = core.subscribe("app1", "news");
        FullHttpRequest req = post("/channels/news/messages", "[{\"data\":\"ok\"},{\"data\":\"spoof\",\"clientId\":\"bob\"}]",
                basic(TestBroker.FULL_KEY));
        req.headers().set("X-Ably-ClientId", b64("alice"));
        assertAblyError(400, 40012, handle(req));
        assertTrue(sub.received().isEmpty(), "nothing from a rejected batch is delivered");
    }

    @Test
    void wildcardClientIdInARestMessageIs40012() throws Exception {
        assertAblyError(400, 40012, handle(post("/channels/news/messages", "{\"data\":\"x\",\"clientId\":\"*\"}",
                basic(TestBroker.FULL_KEY))));
    }

    @Test
    void wrongSecretIs401WithChallenge() throws Exception {
        FullHttpResponse r = handle(post("/channels/news/messages", "{\"data\":\"x\"}", basic("app1.full:wrong")));
        assertNotNull(r.headers().get(HttpHeaderNames.WWW_AUTHENTICATE));
        assertTrue(r.headers().get(HttpHeaderNames.WWW_AUTHENTICATE).startsWith("Basic"),
                r.headers().get(HttpHeaderNames.WWW_AUTHENTICATE));
        assertAblyError(401, 40101, r);
    }

    @Test
    void missingCredentialsAre401() throws Exception {
        FullHttpResponse r = handle(post("/channels/news/messages", "{\"data\":\"x\"}", null));
        assertNotNull(r.headers().get(HttpHeaderNames.WWW_AUTHENTICATE));
        assertAblyError(401, 40101, r);
    }

    @Test
    void subscribeOnlyKeyCannotPublish() throws Exception {
        assertAblyError(401, 40160, handle(post("/channels/news/messages", "{\"data\":\"x\"}", basic(TestBroker.SUBSCRIBE_ONLY_KEY))));
    }

    @Test
    void unparseableBodyIs400() throws Exception {
        assertAblyError(400, 40001, handle(post("/channels/news/messages", "{oops", basic(TestBroker.FULL_KEY))));
    }

    @Test
    void oversizedMessageIs40009() throws Exception {
        String big = "x".repeat(65537);
        FullHttpResponse r = handle(post("/channels/news/messages", "{\"data\":\"" + big + "\"}", basic(TestBroker.FULL_KEY)));
        assertEquals("40009", r.headers().get("X-Ably-ErrorCode"));
        r.release();
    }

    @Test
    void unknownPathIs404JsonError() throws Exception {
        assertAblyError(404, 40400, handle(request(HttpMethod.GET, "/no/such/thing", null)));
    }

    @Test
    void appsAreIsolatedOverRest() throws Exception {
        dev.hubbub.testkit.TestSubscriber app1 = core.subscribe("app1", "news");
        dev.hubbub.testkit.TestSubscriber app2 = core.subscribe("app2", "news");
        assertEquals(201, handle(post("/channels/news/messages", "{\"data\":\"x\"}", basic(TestBroker.OTHER_APP_KEY))).status().code());
        assertTrue(app1.received().isEmpty());
        assertEquals(1, app2.received().size());
    }
}
