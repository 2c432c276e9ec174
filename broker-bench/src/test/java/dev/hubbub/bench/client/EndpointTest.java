package dev.hubbub.bench.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class EndpointTest {
    @Test
    void buildsTheConnectQuery() {
        Endpoint e = Endpoint.parse("ws://127.0.0.1:8080");
        assertEquals("ws://127.0.0.1:8080/?key=app.k%3As%2Bcret&clientId=bob&format=msgpack&v=6&echo=false",
                e.connectUri(Endpoint.Credentials.key("app.k:s+cret", "bob").withoutEcho(), WireCodec.Format.MSGPACK)
                        .toString());
        assertEquals("ws://127.0.0.1:8080/?accessToken=t.k&format=json&v=6",
                e.connectUri(Endpoint.Credentials.token("t.k", null), WireCodec.Format.JSON).toString());
        assertEquals("http://127.0.0.1:8080", e.httpBase());
        assertEquals("https://example.com:443", Endpoint.parse("wss://example.com/").httpBase());
    }

    @Test
    void aResumeCarriesTheConnectionKey() {
        Endpoint e = Endpoint.parse("ws://127.0.0.1:8080");
        Endpoint.Credentials creds = Endpoint.Credentials.key("app.k:secret", null).withResume("AbCdEfGhIjKlMnOp!qRsTuVwXyZ_-");
        assertEquals("ws://127.0.0.1:8080/?key=app.k%3Asecret&format=json&v=6&resume=AbCdEfGhIjKlMnOp%21qRsTuVwXyZ_-",
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
}
