package dev.hubbub.transport.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Authenticator;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.auth.TokenVerifier;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.TestCore;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.Limits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** GET /channels/{ch}/presence through the RestHandler, JSON and MessagePack. */
class PresenceRouteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper MSGPACK = new ObjectMapper(new MessagePackFactory());

    private TestCore core;
    private RestHandler rest;

    @BeforeEach
    void setUp() {
        List<ApiKey> keys = List.of(
                new ApiKey("app1.all", "s1", Capability.ALL),
                new ApiKey("app1.sub", "s2", Capability.parse("{\"*\":[\"subscribe\"]}").value()),
                new ApiKey("app1.pres", "s3", Capability.parse("{\"*\":[\"presence\"]}").value()),
                new ApiKey("app1.pub", "s4", Capability.parse("{\"*\":[\"publish\"]}").value()),
                new ApiKey("app2.all", "s5", Capability.ALL));
        TestCore.Builder b = TestCore.builder().clock(Clock.systemUTC());
        keys.forEach(b::key);
        core = b.build();
        rest = new RestHandler(new RestAuth(core.authenticator), core.publishing, core.clock);
        rest.with(new PresenceRoute(rest.auth(), core.presence));
        Principal wildcard = new Principal("app1", "app1.all", Principal.CredentialKind.BASIC, ClientIdentity.WILDCARD,
                Capability.ALL, Long.MAX_VALUE);
        enter(wildcard, "connA", new PresenceMessage(null, PresenceAction.ENTER, "alice", null, "hi", null, null, null),
                new PresenceMessage(null, PresenceAction.ENTER, "bin", null, new byte[] {1, 2, 3}, null, null, null));
        enter(wildcard, "connB", new PresenceMessage(null, PresenceAction.ENTER, "alice", null, null, null, null, null));
    }

    private void enter(Principal p, String conn, PresenceMessage... items) {
        var r = core.presence.handle("test", conn, p, new ProtocolMessage(Action.PRESENCE, null, "room:1", null, null,
                null, null, null, null, 0L, null, List.of(items), null, null, null, null), Flags.DEFAULT_MODES)
                .toCompletableFuture().join();
        assertTrue(r.isOk(), () -> String.valueOf(r.error()));
    }

    private FullHttpResponse get(String uri, String key, String accept) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (key != null) {
            req.headers().set(HttpHeaderNames.AUTHORIZATION,
                    "Basic " + Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)));
        }
        if (accept != null) {
            req.headers().set(HttpHeaderNames.ACCEPT, accept);
        }
        return rest.handle(req).toCompletableFuture().join();
    }

    private static JsonNode json(FullHttpResponse r) throws Exception {
        return JSON.readTree(r.content().toString(StandardCharsets.UTF_8));
    }

    @Test
    void listsPresentMembersAsJson() throws Exception {
        FullHttpResponse r = get("/channels/room%3A1/presence", "app1.all:s1", "application/json");
        assertEquals(200, r.status().code());
        assertEquals("application/json", r.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode body = json(r);
        assertEquals(3, body.size());
        for (JsonNode m : body) {
            assertEquals(1, m.get("action").asInt());
            assertTrue(m.get("id").asText().startsWith(m.get("connectionId").asText() + ":"));
            assertTrue(m.get("timestamp").isIntegralNumber());
        }
        JsonNode bin = body.get(1);
        assertEquals("bin", bin.get("clientId").asText());
        assertEquals("AQID", bin.get("data").asText());
        assertEquals("base64", bin.get("encoding").asText());
    }

    @Test
    void answersMsgpackWithBinaryData() throws Exception {
        FullHttpResponse r = get("/channels/room%3A1/presence?clientId=bin", "app1.all:s1", "application/x-msgpack");
        assertEquals("application/x-msgpack", r.headers().get(HttpHeaderNames.CONTENT_TYPE));
        JsonNode body = MSGPACK.readTree(ByteBufUtil.getBytes(r.content()));
        assertEquals(1, body.size());
        assertArrayEquals(new byte[] {1, 2, 3}, body.get(0).get("data").binaryValue());
        assertTrue(body.get(0).path("encoding").isMissingNode());
    }

    @Test
    void filtersAndLimits() throws Exception {
        assertEquals(2, json(get("/channels/room%3A1/presence?clientId=alice", "app1.all:s1", null)).size());
        assertEquals(2, json(get("/channels/room%3A1/presence?connectionId=connA", "app1.all:s1", null)).size());
        assertEquals(1, json(get("/channels/room%3A1/presence?clientId=alice&connectionId=connB", "app1.all:s1", null)).size());
        assertEquals(1, json(get("/channels/room%3A1/presence?limit=1", "app1.all:s1", null)).size());
        assertEquals(0, json(get("/channels/empty/presence", "app1.all:s1", null)).size());
    }

    @Test
    void badLimitsAreRefused() throws Exception {
        for (String limit : List.of("0", "1001", "ten", "-5")) {
            FullHttpResponse r = get("/channels/room%3A1/presence?limit=" + limit, "app1.all:s1", null);
            assertEquals(400, r.status().code(), limit);
            assertEquals("40003", r.headers().get("X-Ably-ErrorCode"));
        }
        assertEquals(200, get("/channels/room%3A1/presence?limit=1000", "app1.all:s1", null).status().code());
    }

    @Test
    void subscribeOrPresenceCapabilityIsRequired() throws Exception {
        assertEquals(200, get("/channels/room%3A1/presence", "app1.sub:s2", null).status().code());
        // presence alone lets a client enter, not read the set: that takes subscribe, as on realtime
        assertEquals(401, get("/channels/room%3A1/presence", "app1.pres:s3", null).status().code());
        FullHttpResponse denied = get("/channels/room%3A1/presence", "app1.pub:s4", null);
        assertEquals(401, denied.status().code());
        assertEquals(40160, json(denied).get("error").get("code").asInt());
    }

    @Test
    void authenticationIsRequired() {
        assertEquals(401, get("/channels/room%3A1/presence", null, null).status().code());
        assertEquals(401, get("/channels/room%3A1/presence", "app1.all:wrong", null).status().code());
    }

    @Test
    void otherAppsSeeNothing() throws Exception {
        assertEquals(0, json(get("/channels/room%3A1/presence", "app2.all:s5", null)).size());
    }
}
