package dev.hubbub.bench.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class EndpointTest {
    @Test
    void buildsTheConnectQuery() {
        Endpoint e = Endpoint.parse("ws://127.0.0.1:8080");
        assertEquals("ws://127.0.0.1:8080/?key=app.k%3As%2Bcret&clientId=bob&format=msgpack&v=6&heartbeats=false&echo=false",
                e.connectUri(Endpoint.Credentials.key("app.k:s+cret", "bob").withoutEcho(), WireCodec.Format.MSGPACK)
                        .toString());
        assertEquals("ws://127.0.0.1:8080/?accessToken=t.k&format=json&v=6&heartbeats=false",
                e.connectUri(Endpoint.Credentials.token("t.k", null), WireCodec.Format.JSON).toString());
        assertEquals("http://127.0.0.1:8080", e.httpBase());
        assertEquals("https://example.com:443", Endpoint.parse("wss://example.com/").httpBase());
    }

    @Test
    void aResumeCarriesTheConnectionKey() {
        Endpoint e = Endpoint.parse("ws://127.0.0.1:8080");
        Endpoint.Credentials creds = Endpoint.Credentials.key("app.k:secret", null).withResume("AbCdEfGhIjKlMnOp!qRsTuVwXyZ_-");
        assertEquals("ws://127.0.0.1:8080/?key=app.k%3Asecret&format=json&v=6&heartbeats=false&resume=AbCdEfGhIjKlMnOp%21qRsTuVwXyZ_-",
                e.connectUri(creds, WireCodec.Format.JSON).toString());
        assertEquals("AbCdEfGhIjKlMnOp!qRsTuVwXyZ_-", creds.withoutEcho().resume(), "kept with echo=false");
        assertEquals(null, Endpoint.Credentials.key("app.k:secret", null).resume());
    }

    @Test
    void rejectsOtherSchemesAndCredentialsInTheUrl() {
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("http://127.0.0.1:8080"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("ws://127.0.0.1:8080/?key=a:b"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("not a url"));
    }

    @Test
    void aListNamesTheNodesInOrderAndOneUrlIsAListOfOne() {
        assertEquals(List.of("ws://127.0.0.1:8080"),
                Endpoint.parseAll("ws://127.0.0.1:8080").stream().map(Endpoint::toString).toList());
        List<Endpoint> nodes = Endpoint.parseAll("ws://127.0.0.1:8081, ws://127.0.0.1:8082 ,wss://h:8083");
        assertEquals(List.of("ws://127.0.0.1:8081", "ws://127.0.0.1:8082", "wss://h:8083"),
                nodes.stream().map(Endpoint::toString).toList());
        assertEquals(8082, nodes.get(1).port());
        assertTrue(nodes.get(2).tls());
    }

    @Test
    void aListRejectsEmptyEntriesRepeatsAndBadUrls() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.parseAll("ws://127.0.0.1:8081,,ws://127.0.0.1:8082"));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parseAll("ws://127.0.0.1:8081,"));
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parseAll(" "));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.parseAll("ws://127.0.0.1:8081,ws://127.0.0.1:8081/"));
        assertTrue(twice.getMessage().contains("twice"), twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Endpoint.parseAll("ws://127.0.0.1:80,ws://127.0.0.1"),
                "the default port is the same port");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Endpoint.parseAll("ws://127.0.0.1:8081,http://127.0.0.1:8082"));
        assertTrue(bad.getMessage().contains("http://127.0.0.1:8082"), bad.getMessage());
    }
}
