package dev.hubbub.server.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import dev.hubbub.testkit.RawWebSocket;
import dev.hubbub.transport.IoTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The broker on each I/O transport this machine has ({@code server.io}): the rest of the suite runs
 * on whatever {@code auto} picks, so each one is also run here through a connect, an attach, a
 * burst of publishes (400 KB, more than one socket write takes) with their ACKs and deliveries, and
 * a REST request.
 */
class IoTransportEndToEndTest {
    private static final String KEY = "app1.full:secret-full";

    /** auto is epoll where there is epoll, else NIO: io_uring only when asked for (see IoTransport). */
    @Test
    void autoIsEpollWhereAvailableElseNio() {
        assertEquals(IoTransport.EPOLL.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO, IoTransport.AUTO.resolve());
        assertTrue(IoTransport.NIO.isAvailable(), "NIO is everywhere");
    }

    @Test
    void eachAvailableTransportCarriesTheProtocol() throws Exception {
        List<IoTransport> ran = new ArrayList<>();
        for (IoTransport t : List.of(IoTransport.IO_URING, IoTransport.EPOLL, IoTransport.NIO)) {
            if (!t.isAvailable()) {
                continue;
            }
            BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(new ApiKey("app1.full", "secret-full", Capability.ALL)),
                    Limits.defaults(), 8L * 1024 * 1024, 1).withIo(t);
            BrokerApp app = new BrokerApp(config, Clock.systemUTC(), new SimpleMeterRegistry());
            try {
                InetSocketAddress bound = app.start();
                assertEquals(t, app.ioTransport(), "the listener runs the transport asked for");
                roundTrip(bound.getPort(), t);
                ran.add(t);
            } finally {
                app.close();
            }
        }
        assertTrue(ran.contains(IoTransport.NIO), "ran on " + ran);
    }

    private static void roundTrip(int port, IoTransport t) throws Exception {
        String query = "key=" + KEY.replace(":", "%3A") + "&format=json&v=6&heartbeats=true";
        try (RawWebSocket sub = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?" + query));
             RawWebSocket pub = RawWebSocket.open(URI.create("ws://127.0.0.1:" + port + "/?" + query + "&clientId=alice"))) {
            sub.awaitAction(4);
            pub.awaitAction(4);
            sub.send("{\"action\":10,\"channel\":\"io\"}");
            sub.await("ATTACHED on " + t, f -> f.path("action").asInt() == 11);
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                big.append("0123456789");
            }
            for (int i = 0; i < 20; i++) { // 400 KB: more than the write buffer's low-water mark, so writes queue up
                pub.send("{\"action\":15,\"channel\":\"io\",\"msgSerial\":" + i + ",\"messages\":[{\"name\":\"n" + i
                        + "\",\"data\":\"" + big + "\"}]}");
            }
            JsonNode ack = pub.awaitAck(1, 19);
            assertEquals(19, ack.path("msgSerial").asLong() + ack.path("count").asLong() - 1, ack::toString);
            JsonNode last = sub.await("the 20th message on " + t, f -> f.path("action").asInt() == 15
                    && "n19".equals(f.path("messages").path(0).path("name").asText()));
            assertEquals("alice", last.path("messages").path(0).path("clientId").asText());
            assertEquals(20, sub.frames().stream().filter(f -> f.path("action").asInt() == 15).count(), "every message, once");
        }
        java.net.http.HttpResponse<String> time = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/time")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, time.statusCode(), time::body);
        assertNotEquals("", time.body());
    }
}
