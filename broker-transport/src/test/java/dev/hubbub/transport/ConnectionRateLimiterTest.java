package dev.hubbub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.transport.tls.TransportSecurity;
import dev.hubbub.transport.ws.PipelineNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-address token bucket, on a hand-driven clock, and the pipeline of a connection it refuses. */
class ConnectionRateLimiterTest {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private ConnectionRateLimiter limiter(double perSecond, int burst, List<String> exempt) {
        return new ConnectionRateLimiter(new ConnectionRate(perSecond, burst, exempt), nanos::get);
    }

    private static InetSocketAddress from(String ip) { return new InetSocketAddress(ip, 40_000); }

    private void advanceMillis(long ms) { nanos.addAndGet(ms * 1_000_000L); }

    @Test
    void aBurstThenTheRate() {
        ConnectionRateLimiter l = limiter(2, 3, List.of());
        for (int i = 0; i < 3; i++) {
            assertTrue(l.tryAcquire(from("203.0.113.7")), "attempt " + i + " of the burst");
        }
        assertFalse(l.tryAcquire(from("203.0.113.7")));
        assertEquals(1, l.refused());
        assertTrue(l.tryAcquire(from("203.0.113.8")), "another address has its own bucket");
        advanceMillis(499);
        assertFalse(l.tryAcquire(from("203.0.113.7")), "2/s: one attempt back after 500 ms, not before");
        advanceMillis(1);
        assertTrue(l.tryAcquire(from("203.0.113.7")));
        assertFalse(l.tryAcquire(from("203.0.113.7")));
        advanceMillis(60_000);
        for (int i = 0; i < 3; i++) {
            assertTrue(l.tryAcquire(from("203.0.113.7")), "refilled to the burst, no further");
        }
        assertFalse(l.tryAcquire(from("203.0.113.7")));
        assertEquals(4, l.refused());
    }

    @Test
    void exemptAddressesAndBlocksAreNeverLimited() {
        ConnectionRateLimiter l = limiter(1, 1, List.of("127.0.0.0/8", "::1", "10.1.0.0/16"));
        for (int i = 0; i < 100; i++) {
            assertTrue(l.tryAcquire(from("127.0.0.1")));
            assertTrue(l.tryAcquire(from("::1")));
            assertTrue(l.tryAcquire(from("10.1.200.3")));
        }
        assertTrue(l.tryAcquire(from("10.2.0.1")));
        assertFalse(l.tryAcquire(from("10.2.0.1")), "outside the exempt block");
    }

    @Test
    void ipv6AddressesShareTheBucketOfTheirSlash64() {
        ConnectionRateLimiter l = limiter(1, 2, List.of());
        assertTrue(l.tryAcquire(from("2001:db8:1:2::1")));
        assertTrue(l.tryAcquire(from("2001:db8:1:2::ffff")));
        assertFalse(l.tryAcquire(from("2001:db8:1:2:abcd::9")), "same /64: same host or LAN");
        assertTrue(l.tryAcquire(from("2001:db8:1:3::1")), "another /64");
    }

    @Test
    void rateZeroIsOff() {
        ConnectionRateLimiter l = limiter(0, 1, List.of());
        for (int i = 0; i < 1000; i++) {
            assertTrue(l.tryAcquire(from("203.0.113.7")));
        }
        assertEquals(0, l.refused());
    }

    @Test
    void theDefaultsExemptLoopbackOnly() {
        ConnectionRateLimiter l = new ConnectionRateLimiter(ConnectionRate.DEFAULTS, nanos::get);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(l.tryAcquire(from("127.0.0.1")), "the load client opens thousands a second from loopback");
        }
        int admitted = 0;
        for (int i = 0; i < 1000; i++) {
            admitted += l.tryAcquire(from("198.51.100.4")) ? 1 : 0;
        }
        assertEquals(ConnectionRate.DEFAULT_BURST, admitted);
    }

    @Test
    void aRefusedConnectionsFirstRequestIsAnswered429AndItCloses() {
        EmbeddedChannel ch = new EmbeddedChannel();
        BrokerServer.configureRefused(ch.pipeline(), TransportSecurity.NONE, 1);
        ch.writeInbound(Unpooled.copiedBuffer("GET /?accessToken=abc&format=json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nOrigin: https://app.example\r\n\r\n", StandardCharsets.ISO_8859_1));
        StringBuilder response = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) {
            response.append(b.toString(StandardCharsets.ISO_8859_1));
        }
        assertTrue(response.toString().startsWith("HTTP/1.1 429"), response::toString);
        assertTrue(response.toString().contains("X-Ably-ErrorCode: 42922"), response::toString);
        assertTrue(response.toString().contains("retry-after: 1"), response::toString);
        assertTrue(response.toString().contains("access-control-allow-origin: https://app.example"), response::toString);
        assertFalse(ch.isOpen());
        assertFalse(ch.pipeline().names().contains(PipelineNames.HTTP_GATE), "nothing of the request is read");
        ch.finishAndReleaseAll();
    }

    @Test
    void aRefusedConnectionThatSaysNothingIsClosedSoon() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        BrokerServer.configureRefused(ch.pipeline(), TransportSecurity.NONE, 1);
        ch.advanceTimeBy(BrokerServer.REFUSED_IDLE_SECONDS, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen());
    }

    @Test
    void exemptEntriesMustBeAddressesNeverNames() {
        assertThrows(IllegalArgumentException.class, () -> new ConnectionRate(1, 1, List.of("localhost")));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionRate(1, 1, List.of("10.0.0.0/33")));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionRate(1, 1, List.of("10.0.0.0/x")));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionRate(-1, 1, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new ConnectionRate(1, 0, List.of()));
    }
}
