package dev.hubbub.bench.raw;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import dev.hubbub.bench.client.MsgpackSkip;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The two fields {@link RawBroadcastServer} routes on, {@code action} and {@code channel}, found at
 * the top level of one encoded ProtocolMessage (a JSON object or a MessagePack map) by reading the
 * frame's bytes where they lie: no copy, no object tree, nothing else decoded (other values are
 * stepped over), and the scan stops once both are found. A frame that is not a well-formed object
 * as far as the scan reads it gives action -1. One instance per frame.
 */
final class FrameScan implements MsgpackSkip.Cursor<FrameScan.Malformed> {
    private static final ByteBuf ACTION = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer("action", StandardCharsets.US_ASCII));
    private static final ByteBuf CHANNEL = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer("channel", StandardCharsets.US_ASCII));
    private static final JsonFactory JSON = new JsonFactory();

    /** The frame's action, or -1 when absent or not a small integer. */
    int action = -1;
    /** The frame's channel, or null when absent. */
    String channel;

    private final ByteBuf b;
    private final int end;
    private int i;

    private FrameScan(ByteBuf b) {
        this.b = b;
        this.i = b.readerIndex();
        this.end = b.writerIndex();
    }

    /** Scans one frame's body: a MessagePack map when {@code msgpack}, else a JSON object. */
    static FrameScan scan(ByteBuf body, boolean msgpack) {
        FrameScan s = new FrameScan(body);
        try {
            if (msgpack) {
                s.msgpackMap();
            } else {
                s.jsonObject();
            }
        } catch (Malformed e) {
            s.action = -1;
        }
        return s;
    }

    @Override
    public int u8() {
        int c = peek();
        i++;
        return c;
    }

    private int peek() {
        if (i >= end) {
            throw Malformed.INSTANCE;
        }
        return b.getByte(i) & 0xFF;
    }

    private boolean keyIs(int at, int len, ByteBuf name) {
        return len == name.readableBytes() && ByteBufUtil.equals(b, at, name, 0, len);
    }

    // ---- JSON ----------------------------------------------------------------------------------

    private void jsonObject() {
        expect('{');
        if (ws() == '}') {
            return;
        }
        while (action < 0 || channel == null) {
            expect('"');
            int key = i;
            int keyLen = stringEnd() - 1 - key;
            expect(':');
            int c = ws();
            if (keyIs(key, keyLen, ACTION) && c >= '0' && c <= '9') {
                int n = 0;
                while (i < end && (c = b.getByte(i)) >= '0' && c <= '9' && n < 100_000) {
                    n = n * 10 + (c - '0');
                    i++;
                }
                action = n;
            } else if (keyIs(key, keyLen, CHANNEL) && c == '"') {
                int start = ++i;
                channel = jsonString(start, stringEnd() - 1);
            } else {
                skipJson();
            }
            if (ws() == '}') {
                return;
            }
            expect(',');
        }
    }

    /** Consumes {@code c}, the next character after blanks, or throws. */
    private void expect(int c) {
        if (ws() != c) {
            throw Malformed.INSTANCE;
        }
        i++;
    }

    /** Skips blanks; returns the next character without consuming it. */
    private int ws() {
        int c;
        while ((c = peek()) == ' ' || c == '\n' || c == '\r' || c == '\t') {
            i++;
        }
        return c;
    }

    /** From just inside a string to just past its closing quote; returns the position past the quote. */
    private int stringEnd() {
        int c;
        while ((c = u8()) != '"') {
            if (c == '\\') {
                u8();
            }
        }
        return i;
    }

    /** The string whose UTF-8 bytes lie in [start, quote); escapes (rare in channel names) go through Jackson. */
    private String jsonString(int start, int quote) {
        if (b.indexOf(start, quote, (byte) '\\') < 0) {
            return b.toString(start, quote - start, StandardCharsets.UTF_8);
        }
        try (JsonParser p = JSON.createParser(ByteBufUtil.getBytes(b, start - 1, quote - start + 2))) {
            p.nextToken();
            return p.getText();
        } catch (IOException e) {
            throw Malformed.INSTANCE;
        }
    }

    /** Steps over one value: a string, an object or array (strings inside included), or a literal. */
    private void skipJson() {
        int c = peek();
        if (c == '"') {
            i++;
            stringEnd();
        } else if (c == '{' || c == '[') {
            int depth = 0;
            do {
                c = u8();
                if (c == '"') {
                    stringEnd();
                } else if (c == '{' || c == '[') {
                    depth++;
                } else if (c == '}' || c == ']') {
                    depth--;
                }
            } while (depth > 0);
        } else {
            while ((c = peek()) != ',' && c != '}' && c != ']' && c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                i++;
            }
        }
    }

    // ---- MessagePack ---------------------------------------------------------------------------

    private void msgpackMap() {
        int t = u8();
        long entries = t >= 0x80 && t <= 0x8f ? t & 0x0f : t == 0xde ? uint(2) : t == 0xdf ? uint(4) : -1;
        if (entries < 0) {
            throw Malformed.INSTANCE;
        }
        for (; entries > 0 && (action < 0 || channel == null); entries--) {
            int len = strHeader();
            if (len < 0) {
                skipMsgpack(2);
                continue;
            }
            int key = advance(len);
            if (keyIs(key, len, ACTION)) {
                action = smallInt();
            } else if (keyIs(key, len, CHANNEL) && (len = strHeader()) >= 0) {
                channel = b.toString(advance(len), len, StandardCharsets.UTF_8);
            } else {
                skipMsgpack(1);
            }
        }
    }

    @Override
    public long uint(int bytes) {
        long v = 0;
        for (int k = 0; k < bytes; k++) {
            v = (v << 8) | u8();
        }
        return v;
    }

    /** Moves past {@code n} bytes; returns where they start. */
    private int advance(long n) {
        if (n > end - i) {
            throw Malformed.INSTANCE;
        }
        int at = i;
        i += (int) n;
        return at;
    }

    /** The length of a str (its header consumed), or -1 (nothing consumed) when the next value is not one. */
    private int strHeader() {
        int t = peek();
        if (t >= 0xa0 && t <= 0xbf) {
            i++;
            return t & 0x1f;
        }
        if (t >= 0xd9 && t <= 0xdb) {
            i++;
            return (int) Math.min(uint(1 << (t - 0xd9)), Integer.MAX_VALUE); // past the frame: advance() refuses it
        }
        return -1;
    }

    /** A non-negative integer below 65536 (positive fixint, uint8, uint16); anything else is skipped as -1. */
    private int smallInt() {
        int t = peek();
        if (t > 0x7f && t != 0xcc && t != 0xcd) {
            skipMsgpack(1);
            return -1;
        }
        i++;
        return t <= 0x7f ? t : (int) uint(t == 0xcc ? 1 : 2);
    }

    /** Steps over {@code values} whole values, nested maps and arrays included. */
    private void skipMsgpack(long values) {
        MsgpackSkip.skip(this, values);
    }

    @Override
    public void skipBytes(long n) { advance(n); }

    @Override
    public Malformed malformed(int type) { return Malformed.INSTANCE; }

    /** A frame the scan cannot read; thrown without a stack trace and caught at the top. */
    static final class Malformed extends RuntimeException {
        static final Malformed INSTANCE = new Malformed();
        private Malformed() { super("malformed frame", null, false, false); }
    }
}
