package dev.hubbub.bench.nats;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Incremental reader of what a NATS server sends a client: {@code INFO}, {@code MSG},
 * {@code PING}, {@code PONG}, {@code +OK}, {@code -ERR}. Bytes come in arbitrary pieces (one
 * WebSocket frame may hold several operations, or part of one, even a cut inside a payload or
 * between CR and LF); {@link #feed} them in order and the listener hears each complete operation
 * once. Operation names are case-insensitive, arguments may be separated by spaces or tabs.
 *
 * <p>Payloads are not copied out: {@link Msg} is a view into the parser's buffer, valid only
 * during {@link Listener#onMsg}. One parser per connection; not thread-safe.
 */
public final class NatsLineParser {
    /** Longest control line accepted (INFO of a big cluster fits easily). */
    public static final int MAX_CONTROL_LINE = 64 * 1024;

    /** Operations a server sends. */
    public interface Listener {
        void onInfo(String json);

        void onMsg(Msg m);

        void onPing();

        void onPong();

        default void onOk() {
        }

        void onErr(String message);
    }

    /** The server broke the protocol; the connection cannot be read further. */
    public static final class ProtocolException extends RuntimeException {
        public ProtocolException(String message) {
            super(message);
        }
    }

    /** One delivered message, as a view into the parser's buffer (copy what outlives the callback). */
    public static final class Msg {
        byte[] buf;
        int subjectOff;
        int subjectLen;
        int sidOff;
        int sidLen;
        int replyOff;
        int replyLen = -1;
        int payloadOff;
        int payloadLen;

        public String subject() { return ascii(subjectOff, subjectLen); }
        public String sid() { return ascii(sidOff, sidLen); }
        /** The reply subject, or null when the message has none. */
        public String replyTo() { return replyLen < 0 ? null : ascii(replyOff, replyLen); }
        /** The array holding the payload at {@link #payloadOffset()}. */
        public byte[] array() { return buf; }
        public int payloadOffset() { return payloadOff; }
        public int payloadLength() { return payloadLen; }
        public String payloadUtf8() { return new String(buf, payloadOff, payloadLen, StandardCharsets.UTF_8); }

        private String ascii(int off, int len) {
            return new String(buf, off, len, StandardCharsets.US_ASCII);
        }
    }

    private final Listener listener;
    private final int maxPayload;
    private final Msg msg = new Msg();
    /** Start and end of each MSG argument. */
    private final int[] tok = new int[8];
    private byte[] buf = new byte[8192];
    private int start;
    private int end;
    /** Where to continue looking for the LF that ends the line at {@link #start}. */
    private int scanFrom;
    private boolean broken;

    /** @param maxPayload the largest MSG payload accepted (the server's max_payload) */
    public NatsLineParser(Listener listener, int maxPayload) {
        this.listener = listener;
        this.maxPayload = maxPayload;
    }

    /** Reads all readable bytes of {@code in} (without releasing it) and reports every completed operation. */
    public void feed(ByteBuf in) {
        int n = in.readableBytes();
        reserve(n);
        in.readBytes(buf, end, n);
        end += n;
        drain();
    }

    /** Same as {@link #feed(ByteBuf)} for a byte range. */
    public void feed(byte[] bytes, int off, int len) {
        reserve(len);
        System.arraycopy(bytes, off, buf, end, len);
        end += len;
        drain();
    }

    /** Bytes received but not yet part of a complete operation. */
    public int buffered() {
        return end - start;
    }

    private void reserve(int n) {
        if (broken) {
            throw new ProtocolException("parser already failed");
        }
        if (start == end) {
            start = end = scanFrom = 0;
        }
        if (buf.length - end >= n) {
            return;
        }
        int live = end - start;
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, live);
            scanFrom -= start;
            start = 0;
            end = live;
        }
        if (buf.length - end < n) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, live + n));
        }
    }

    private void drain() {
        try {
            while (start < end && parseOne()) {
                scanFrom = start;
            }
        } catch (ProtocolException e) {
            broken = true;
            throw e;
        }
    }

    /** Parses the operation at {@link #start}; false when it is not complete yet. */
    private boolean parseOne() {
        int lf = indexOf((byte) '\n', Math.max(scanFrom, start), end);
        if (lf < 0) {
            if (end - start > MAX_CONTROL_LINE) {
                throw new ProtocolException("control line longer than " + MAX_CONTROL_LINE + " bytes");
            }
            scanFrom = end;
            return false;
        }
        int lineEnd = lf > start && buf[lf - 1] == '\r' ? lf - 1 : lf;
        int p = skipBlanks(start, lineEnd);
        int opEnd = tokenEnd(p, lineEnd);
        if (opIs(p, opEnd, "MSG")) {
            return parseMsg(opEnd, lineEnd, lf);
        }
        if (opIs(p, opEnd, "PING")) {
            start = lf + 1;
            listener.onPing();
        } else if (opIs(p, opEnd, "PONG")) {
            start = lf + 1;
            listener.onPong();
        } else if (opIs(p, opEnd, "+OK")) {
            start = lf + 1;
            listener.onOk();
        } else if (opIs(p, opEnd, "-ERR")) {
            String text = new String(buf, opEnd, lineEnd - opEnd, StandardCharsets.UTF_8).trim();
            if (text.length() >= 2 && text.startsWith("'") && text.endsWith("'")) {
                text = text.substring(1, text.length() - 1);
            }
            start = lf + 1;
            listener.onErr(text);
        } else if (opIs(p, opEnd, "INFO")) {
            String json = new String(buf, opEnd, lineEnd - opEnd, StandardCharsets.UTF_8).trim();
            start = lf + 1;
            listener.onInfo(json);
        } else if (p == lineEnd) {
            start = lf + 1; // blank line: nothing to do
        } else {
            throw new ProtocolException("unknown operation: " + preview(p, lineEnd));
        }
        return true;
    }

    /** {@code MSG <subject> <sid> [reply-to] <#bytes>\r\n<payload>\r\n}. */
    private boolean parseMsg(int from, int lineEnd, int lf) {
        int[] tok = this.tok;
        int count = 0;
        int p = skipBlanks(from, lineEnd);
        while (p < lineEnd) {
            if (count == 4) {
                throw new ProtocolException("MSG with too many arguments: " + preview(start, lineEnd));
            }
            int e = tokenEnd(p, lineEnd);
            tok[2 * count] = p;
            tok[2 * count + 1] = e;
            count++;
            p = skipBlanks(e, lineEnd);
        }
        if (count < 3) {
            throw new ProtocolException("MSG with too few arguments: " + preview(start, lineEnd));
        }
        int size = parseSize(tok[2 * (count - 1)], tok[2 * (count - 1) + 1]);
        if (size > maxPayload) {
            throw new ProtocolException("MSG payload of " + size + " bytes exceeds " + maxPayload);
        }
        int payloadOff = lf + 1;
        long needed = (long) payloadOff + size + 2;
        if (needed > end) {
            scanFrom = lf; // the line is known; wait for the payload
            return false;
        }
        if (buf[payloadOff + size] != '\r' || buf[payloadOff + size + 1] != '\n') {
            throw new ProtocolException("MSG payload not followed by CRLF");
        }
        msg.buf = buf;
        msg.subjectOff = tok[0];
        msg.subjectLen = tok[1] - tok[0];
        msg.sidOff = tok[2];
        msg.sidLen = tok[3] - tok[2];
        if (count == 4) {
            msg.replyOff = tok[4];
            msg.replyLen = tok[5] - tok[4];
        } else {
            msg.replyLen = -1;
        }
        msg.payloadOff = payloadOff;
        msg.payloadLen = size;
        start = (int) needed;
        listener.onMsg(msg);
        return true;
    }

    private int parseSize(int from, int to) {
        if (to - from > 10) {
            throw new ProtocolException("MSG size out of range");
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            int d = buf[i] - '0';
            if (d < 0 || d > 9) {
                throw new ProtocolException("MSG size is not a number: " + preview(from, to));
            }
            v = v * 10 + d;
        }
        if (v > Integer.MAX_VALUE - 16) {
            throw new ProtocolException("MSG size out of range");
        }
        return (int) v;
    }

    private boolean opIs(int from, int to, String op) {
        if (to - from != op.length()) {
            return false;
        }
        for (int i = 0; i < op.length(); i++) {
            int c = buf[from + i];
            if (c >= 'a' && c <= 'z') {
                c -= 32;
            }
            if (c != op.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private int indexOf(byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private int skipBlanks(int p, int to) {
        while (p < to && (buf[p] == ' ' || buf[p] == '\t')) {
            p++;
        }
        return p;
    }

    private int tokenEnd(int p, int to) {
        while (p < to && buf[p] != ' ' && buf[p] != '\t') {
            p++;
        }
        return p;
    }

    private String preview(int from, int to) {
        return new String(buf, from, Math.min(to - from, 80), StandardCharsets.US_ASCII);
    }
}
