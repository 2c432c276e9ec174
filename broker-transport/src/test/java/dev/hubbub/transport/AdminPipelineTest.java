package dev.hubbub.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.transport.http.HttpResponses;
import dev.hubbub.transport.http.RestHandler;
import dev.hubbub.transport.ws.PipelineNames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin listener's pipeline, as AdminServer builds it, on an EmbeddedChannel fed raw bytes. */
class AdminPipelineTest {
    /** A probe route that answers GET /probe. */
    private static final RestHandler.Route PROBE = (request, segments, query) ->
            segments.equals(List.of("probe")) ? HttpResponses.json(HttpResponseStatus.OK, "{\"probe\":true}") : null;

    private final EmbeddedChannel channel = new EmbeddedChannel();

    AdminPipelineTest() {
        channel.freezeTime();
        AdminServer.configure(channel.pipeline(), List.of(PROBE));
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private String exchange(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    @Test
    void pipelineIsIdleCodecAggregatorAdmin() {
        assertEquals(List.of(PipelineNames.HTTP_IDLE, PipelineNames.HTTP_CODEC, PipelineNames.HTTP_AGGREGATOR, PipelineNames.ADMIN),
                channel.pipeline().names().subList(0, 4));
    }

    @Test
    void aRouteAnswersAndAnythingElseIs404() {
        String ok = exchange("GET /probe HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(ok.startsWith("HTTP/1.1 200 OK\r\n") && ok.endsWith("{\"probe\":true}"), ok);
        String missing = exchange("GET /channels/c/messages HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(missing.startsWith("HTTP/1.1 404 ") && missing.contains("\"code\":40400"), missing);
        assertTrue(channel.isOpen(), "keep-alive");
    }

    @Test
    void aBadEscapeIs400WithoutEchoingTheUri() {
        String bad = exchange("GET /%zz?key=secret HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(bad.startsWith("HTTP/1.1 400 "), bad);
        assertFalse(bad.contains("secret"), bad);
    }

    @Test
    void anIdleConnectionIsClosed() {
        assertTrue(channel.isOpen());
        channel.advanceTimeBy(AdminServer.IDLE_SECONDS + 1, TimeUnit.SECONDS);
        channel.runPendingTasks();
        channel.runScheduledPendingTasks();
        assertFalse(channel.isOpen());
    }
}
