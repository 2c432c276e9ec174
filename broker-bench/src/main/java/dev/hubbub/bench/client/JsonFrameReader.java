package dev.hubbub.bench.client;

import dev.hubbub.bench.run.Payload;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** {@link FrameReader} for JSON text (RFC 8259; numbers with fractions or exponents are truncated). */
final class JsonFrameReader extends FrameReader {
    private final boolean[] first = new boolean[MAX_DEPTH];
    private int depth;

    @Override
    void reset() {
        depth = 0;
    }

    private void ws() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return;
            }
            pos++;
        }
    }

    private byte peek() throws IOException {
        ws();
        need(1);
        return b[pos];
    }

    private void expect(char c) throws IOException {
        if (peek() != c) {
            throw new IOException("expected '" + c + "' at " + pos);
        }
        pos++;
    }

    private boolean begin(char open) throws IOException {
        if (peek() != open) {
            skipValue();
            return false;
        }
        if (depth + 1 >= MAX_DEPTH) {
            throw new IOException("nesting too deep");
        }
        pos++;
        first[++depth] = true;
        return true;
    }

    private boolean next(char close) throws IOException {
        if (peek() == close) {
            pos++;
            depth--;
            return false;
        }
        if (!first[depth]) {
            expect(',');
        }
        first[depth] = false;
        return true;
    }

    @Override
    boolean beginObject() throws IOException {
        return begin('{');
    }

    @Override
    boolean nextField() throws IOException {
        return next('}');
    }

    @Override
    boolean beginArray() throws IOException {
        return begin('[');
    }

    @Override
    boolean nextElement() throws IOException {
        return next(']');
    }

    @Override
    int key() throws IOException {
        expect('"');
        int start = pos;
        boolean escaped = skipStringBody();
        int k = escaped ? -1 : match(b, start, pos - 1 - start);
        expect(':');
        return k;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** Whether any of the eight bytes is '"' or '\\' (the classic has-zero-byte test on x ^ pattern). */
    static boolean hasQuoteOrBackslash(long x) {
        long q = x ^ (ONES * '"');
        long s = x ^ (ONES * '\\');
        return ((((q - ONES) & ~q) | ((s - ONES) & ~s)) & HIGHS) != 0;
    }

    /** Skips to just past the closing quote; true if the string had escapes. */
    private boolean skipStringBody() throws IOException {
        boolean escaped = false;
        byte[] bytes = b;
        int p = pos;
        int limit = end;
        // eight bytes at a time up to the first quote or backslash (payload strings are long)
        while (p + 8 <= limit && !hasQuoteOrBackslash((long) LONGS.get(bytes, p))) {
            p += 8;
        }
        while (p < limit) {
            byte c = bytes[p++];
            if (c == '"') {
                pos = p;
                return escaped;
            }
            if (c == '\\') {
                escaped = true;
                p++;
            }
        }
        pos = limit;
        throw new IOException("truncated frame");
    }

    @Override
    long longValue() throws IOException {
        byte c = peek();
        if (c != '-' && (c < '0' || c > '9')) {
            skipValue();
            return InboundFrame.ABSENT;
        }
        int start = pos;
        boolean neg = c == '-';
        if (neg) {
            pos++;
        }
        long v = 0;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            v = v * 10 + (b[pos++] - '0');
        }
        if (pos < end && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E')) {
            skipScalar();
            try {
                return (long) Double.parseDouble(new String(b, start, pos - start, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("bad number at " + start);
            }
        }
        return neg ? -v : v;
    }

    @Override
    String stringValue() throws IOException {
        if (peek() != '"') {
            skipValue();
            return null;
        }
        pos++;
        int start = pos;
        if (!skipStringBody()) {
            return new String(b, start, pos - 1 - start, StandardCharsets.UTF_8);
        }
        return unescape(start, pos - 1);
    }

    @Override
    long stampValue() throws IOException {
        if (peek() != '"') {
            skipValue();
            return Payload.NO_STAMP;
        }
        pos++;
        int start = pos;
        skipStringBody();
        return stampAndSequence(b, start, pos - 1 - start);
    }

    @Override
    void skipValue() throws IOException {
        byte c = peek();
        if (c == '"') {
            pos++;
            skipStringBody();
        } else if (c == '{' || c == '[') {
            int nesting = 0;
            do {
                need(1);
                byte x = b[pos++];
                if (x == '"') {
                    skipStringBody();
                } else if (x == '{' || x == '[') {
                    nesting++;
                } else if (x == '}' || x == ']') {
                    nesting--;
                }
            } while (nesting > 0);
        } else {
            skipScalar();
        }
    }

    private void skipScalar() throws IOException {
        int start = pos;
        while (pos < end) {
            byte x = b[pos];
            if (x == ',' || x == '}' || x == ']' || x == ' ' || x == '\n' || x == '\r' || x == '\t') {
                break;
            }
            pos++;
        }
        if (pos == start) {
            throw new IOException("expected a value at " + pos);
        }
    }

    private String unescape(int from, int to) throws IOException {
        StringBuilder sb = new StringBuilder(to - from);
        int run = from;
        int i = from;
        while (i < to) {
            if (b[i] != '\\') {
                i++;
                continue;
            }
            sb.append(new String(b, run, i - run, StandardCharsets.UTF_8));
            char e = (char) b[i + 1];
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    if (i + 6 > to) {
                        throw new IOException("bad \\u escape");
                    }
                    try {
                        sb.append((char) Integer.parseInt(new String(b, i + 2, 4, StandardCharsets.US_ASCII), 16));
                    } catch (NumberFormatException ex) {
                        throw new IOException("bad \\u escape");
                    }
                    i += 4;
                }
                default -> sb.append(e);
            }
            i += 2;
            run = i;
        }
        sb.append(new String(b, run, to - run, StandardCharsets.UTF_8));
        return sb.toString();
    }
}
