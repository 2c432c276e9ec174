package dev.hubbub.bench.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.bench.run.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NatsLineParserTest {
    /** Records every operation as one readable line. */
    private static final class Recorder implements NatsLineParser.Listener {
        final List<String> ops = new ArrayList<>();
        final List<Long> stamps = new ArrayList<>();

        @Override
        public void onInfo(String json) {
            ops.add("INFO " + json);
        }

        @Override
        public void onMsg(NatsLineParser.Msg m) {
            ops.add("MSG " + m.subject() + " " + m.sid() + " " + m.replyTo() + " [" + m.payloadUtf8() + "]");
            stamps.add(Payload.decode(m.array(), m.payloadOffset(), m.payloadLength()));
        }

        @Override
        public void onPing() {
            ops.add("PING");
        }

        @Override
        public void onPong() {
            ops.add("PONG");
        }

        @Override
        public void onOk() {
            ops.add("+OK");
        }

        @Override
        public void onErr(String message) {
            ops.add("ERR " + message);
        }
    }

    private static final String STREAM = "INFO {\"server_id\":\"X\",\"max_payload\":1048576}\r\n"
            + "PONG\r\n"
            + "MSG bench-fanout 1 5\r\nhello\r\n"
            + "MSG bench-fanout 1 _INBOX.r 13\r\nMSG x 1 2\r\n\r\n\r\n"
            + "PING\r\n"
            + "MSG empty 22 0\r\n\r\n"
            + "+OK\r\n"
            + "-ERR 'Slow Consumer Detected'\r\n";

    private static final List<String> EXPECTED = List.of(
            "INFO {\"server_id\":\"X\",\"max_payload\":1048576}",
            "PONG",
            "MSG bench-fanout 1 null [hello]",
            "MSG bench-fanout 1 _INBOX.r [MSG x 1 2\r\n\r\n]",
            "PING",
            "MSG empty 22 null []",
            "+OK",
            "ERR Slow Consumer Detected");

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void manyOperationsInOneFrame() {
        Recorder r = new Recorder();
        NatsLineParser p = new NatsLineParser(r, 1 << 20);
        ByteBuf frame = Unpooled.wrappedBuffer(bytes(STREAM));
        p.feed(frame);
        assertEquals(EXPECTED, r.ops);
        assertEquals(0, p.buffered());
        assertEquals(0, frame.readableBytes(), "the frame is consumed");
    }

    @Test
    void everySplitPointGivesTheSameOperations() {
        byte[] all = bytes(STREAM);
        for (int cut = 0; cut <= all.length; cut++) {
            Recorder r = new Recorder();
            NatsLineParser p = new NatsLineParser(r, 1 << 20);
            p.feed(all, 0, cut);
            p.feed(all, cut, all.length - cut);
            assertEquals(EXPECTED, r.ops, "cut at " + cut);
        }
    }

    @Test
    void byteByByteGivesTheSameOperationsAndNothingEarly() {
        byte[] all = bytes(STREAM);
        Recorder r = new Recorder();
        NatsLineParser p = new NatsLineParser(r, 1 << 20);
        int firstMsgEnd = STREAM.indexOf("hello\r\n") + "hello\r\n".length();
        for (int i = 0; i < all.length; i++) {
            p.feed(all, i, 1);
            if (i == firstMsgEnd - 2) {
                assertEquals(2, r.ops.size(), "MSG reported before its trailing CRLF: " + r.ops);
            }
        }
        assertEquals(EXPECTED, r.ops);
    }

    @Test
    void stampedPayloadsSplitAcrossFramesDecode() {
        Payload payload = new Payload(100);
        StringBuilder stream = new StringBuilder();
        long[] sent = {123_456_789L, -5L, Long.MAX_VALUE, 42L};
        for (long t : sent) {
            stream.append("MSG bench-fanout 7 100\r\n").append(payload.encode(t)).append("\r\n");
        }
        byte[] all = bytes(stream.toString());
        Recorder r = new Recorder();
        NatsLineParser p = new NatsLineParser(r, 1 << 20);
        // frames of 37 bytes: cuts land inside lines, inside payloads and between CR and LF
        for (int off = 0; off < all.length; off += 37) {
            p.feed(all, off, Math.min(37, all.length - off));
        }
        assertEquals(List.of(123_456_789L, -5L, Long.MAX_VALUE, 42L), r.stamps);
    }

    @Test
    void largePayloadGrowsTheBuffer() {
        String big = "x".repeat(200_000);
        byte[] all = bytes("MSG s 1 " + big.length() + "\r\n" + big + "\r\nPING\r\n");
        Recorder r = new Recorder();
        NatsLineParser p = new NatsLineParser(r, 1 << 20);
        for (int off = 0; off < all.length; off += 4096) {
            p.feed(all, off, Math.min(4096, all.length - off));
        }
        assertEquals(2, r.ops.size());
        assertTrue(r.ops.get(0).startsWith("MSG s 1 null [xxx"));
        assertEquals("PING", r.ops.get(1));
    }

    @Test
    void namesAreCaseInsensitiveAndTabsSeparate() {
        Recorder r = new Recorder();
        NatsLineParser p = new NatsLineParser(r, 1 << 20);
        byte[] b = bytes("ping\r\nmsg\tsubj\t9\t3\r\nabc\r\nPong\r\n");
        p.feed(b, 0, b.length);
        assertEquals(List.of("PING", "MSG subj 9 null [abc]", "PONG"), r.ops);
    }

    @Test
    void brokenInputIsRefused() {
        assertThrows(NatsLineParser.ProtocolException.class, () -> feed("HELLO there\r\n"));
        assertThrows(NatsLineParser.ProtocolException.class, () -> feed("MSG s 1 3\r\nabcd\r\n"));
        assertThrows(NatsLineParser.ProtocolException.class, () -> feed("MSG s 3\r\n"));
        assertThrows(NatsLineParser.ProtocolException.class, () -> feed("MSG s 1 x\r\n"));
        assertThrows(NatsLineParser.ProtocolException.class, () -> feed("MSG s 1 2000000\r\n"));
        assertThrows(NatsLineParser.ProtocolException.class,
                () -> feed("INFO " + "x".repeat(NatsLineParser.MAX_CONTROL_LINE + 10)));
    }

    @Test
    void aFailedParserStaysFailed() {
        NatsLineParser p = new NatsLineParser(new Recorder(), 1 << 20);
        assertThrows(NatsLineParser.ProtocolException.class, () -> p.feed(bytes("BOGUS\r\n"), 0, 7));
        assertThrows(NatsLineParser.ProtocolException.class, () -> p.feed(bytes("PING\r\n"), 0, 6));
    }

    private static void feed(String s) {
        byte[] b = bytes(s);
        new NatsLineParser(new Recorder(), 1 << 20).feed(b, 0, b.length);
    }
}
