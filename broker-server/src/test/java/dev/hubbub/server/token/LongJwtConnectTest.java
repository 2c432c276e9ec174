package dev.hubbub.server.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.testkit.RawWebSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A realistic JWT, several kilobytes of capability, in the connect URL ({@code ?accessToken=}) gets
 * through the listener's request-line limit and connects, with a raw WebSocket on a real broker.
 */
class LongJwtConnectTest {
    private static final int CONNECTED = 4;
    private static TokenBroker broker;

    @BeforeAll
    static void start() throws Exception { broker = new TokenBroker(); }

    @AfterAll
    static void stop() { broker.close(); }

    /** A JWT of at least {@code bytes} bytes: a capability naming channel after channel, as fine-grained tokens do. */
    private static String jwtOfAbout(int bytes) {
        StringBuilder channels = new StringBuilder();
        for (int i = 0; ; i++) {
            channels.append(i == 0 ? "" : ",").append("\"room-").append(i).append("\":[\"subscribe\",\"publish\"]");
            String jwt = broker.jwt("long-jwt-user", "{" + channels + "}");
            if (jwt.length() >= bytes) {
                return jwt;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {6_000, 12_000})
    void connectsWithALongJwtInTheUrl(int size) {
        String jwt = jwtOfAbout(size);
        try (RawWebSocket ws = RawWebSocket.open(broker.realtime("format=json&v=2&accessToken="
                + URLEncoder.encode(jwt, StandardCharsets.UTF_8)), RawWebSocket.JSON_TEXT_ONLY)) {
            JsonNode connected = ws.awaitAction(CONNECTED);
            assertEquals("long-jwt-user", connected.at("/connectionDetails/clientId").asText(), connected::toString);
            assertTrue(jwt.length() >= size);
        }
    }
}
