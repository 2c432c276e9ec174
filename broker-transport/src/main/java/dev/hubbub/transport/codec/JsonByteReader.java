package dev.hubbub.transport.codec;

import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The first path for a JSON realtime frame: the common publish, read straight from the buffer's
 * bytes, without a parser. {@link JsonFrameReader} makes a Jackson parser per frame (the parser, its
 * read context, I/O context, symbol table and text buffer), about a quarter of what the broker
 * allocated per published message.
 *
 * <p>It reads a frame of the top-level fields an SDK sends with a MESSAGE (action, id, channel,
 * channelSerial, connectionId, count, flags, msgSerial, timestamp, messages) whose messages have
 * only id, clientId, connectionId, connectionKey, name, encoding, action and string data; every
 * string plain ASCII without escapes, every number a plain integer. Anything else (another field,
 * an escape or a non-ASCII byte in a string, data that is not a string, a fraction, a malformed or
 * truncated frame) gives up with {@link GiveUp}, and {@link JsonFrameReader} reads the frame as
 * before: so this path accepts nothing that path would read differently or reject, which
 * {@code JsonByteReaderTest} checks on valid and broken frames alike.
 */
final class JsonByteReader {
    /** Longs of more digits than this may not fit: the parser's path decides. */
    private static final int MAX_DIGITS = 18;

    private final ByteBuf in;
    private int at;
    private final int end;

    private JsonByteReader(ByteBuf in) {
        this.in = in;
        this.at = in.readerIndex();
        this.end = in.writerIndex();
    }

    /** Reads the whole readable part of {@code bytes} as one frame, without moving its reader index. */
    static ProtocolMessage read(ByteBuf bytes) throws GiveUp {
        return new JsonByteReader(bytes).frame();
    }

    private ProtocolMessage frame() throws GiveUp {
        expect('{');
        Integer action = null;
        String id = null;
        String channel = null;
        String channelSerial = null;
        String connectionId = null;
        Integer count = null;
        Integer flags = null;
        Long msgSerial = null;
        Long timestamp = null;
        List<Message> messages = null;
        if (!closes('}')) {
            do {
                int name = fieldName();
                if (is(name, "action")) {
                    action = integer();
                } else if (is(name, "id")) {
                    id = string();
                } else if (is(name, "channel")) {
                    channel = string();
                } else if (is(name, "channelSerial")) {
                    channelSerial = string();
                } else if (is(name, "connectionId")) {
                    connectionId = string();
                } else if (is(name, "count")) {
                    count = integer();
                } else if (is(name, "flags")) {
                    flags = integer();
                } else if (is(name, "msgSerial")) {
                    msgSerial = number();
                } else if (is(name, "timestamp")) {
                    timestamp = number();
                } else if (is(name, "messages")) {
                    messages = messages();
                } else {
                    throw GiveUp.INSTANCE;
                }
            } while (next('}'));
        }
        skipSpace();
        if (at != end) {
            throw GiveUp.INSTANCE; // something after the frame: the parser's path says what
        }
        Action a = action == null ? null : Action.fromWire(action);
        if (a == null) {
            throw GiveUp.INSTANCE;
        }
        return new ProtocolMessage(a, id, channel, channelSerial, connectionId, null, count, null, flags,
                msgSerial, messages, null, timestamp, null, null, null);
    }

    private List<Message> messages() throws GiveUp {
        if (literalNull()) {
            return null;
        }
        expect('[');
        List<Message> out = new ArrayList<>(1);
        if (closes(']')) {
            return out;
        }
        do {
            out.add(message());
        } while (next(']'));
        return out;
    }

    private Message message() throws GiveUp {
        expect('{');
        String id = null;
        String clientId = null;
        String connectionId = null;
        String connectionKey = null;
        String name = null;
        String encoding = null;
        Integer action = null;
        String data = null;
        if (!closes('}')) {
            do {
                int field = fieldName();
                if (is(field, "id")) {
                    id = string();
                } else if (is(field, "clientId")) {
                    clientId = string();
                } else if (is(field, "connectionId")) {
                    connectionId = string();
                } else if (is(field, "connectionKey")) {
                    connectionKey = string();
                } else if (is(field, "name")) {
                    name = string();
                } else if (is(field, "encoding")) {
                    encoding = string();
                } else if (is(field, "action")) {
                    action = integer();
                } else if (is(field, "data")) {
                    data = string(); // an object or array (json data) is the parser's path
                } else {
                    throw GiveUp.INSTANCE;
                }
            } while (next('}'));
        }
        if (action != null && action < 0) {
            throw GiveUp.INSTANCE;
        }
        return new Message(id, clientId, connectionId, connectionKey, name, data, encoding, null, null, action, null);
    }

    /** A field name and its colon; returns where the name's characters start (its length is {@link #quotedLength}). */
    private int fieldName() throws GiveUp {
        skipSpace();
        int start = quoted();
        expect(':');
        return start;
    }

    /** Whether the field name read last, starting at {@code start}, is {@code name}. */
    private boolean is(int start, String name) {
        if (quotedLength != name.length()) {
            return false;
        }
        for (int i = 0; i < quotedLength; i++) {
            if (in.getByte(start + i) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** A string of plain ASCII without escapes, or null. */
    private String string() throws GiveUp {
        skipSpace();
        if (at < end && in.getByte(at) == 'n') {
            literal("null");
            return null;
        }
        int start = quoted();
        return in.toString(start, quotedLength, StandardCharsets.ISO_8859_1); // all ASCII: one byte a char
    }

    private int quotedLength;

    /**
     * Plain ASCII between quotes, the opening one next: returns where its characters start, sets
     * {@link #quotedLength}, and leaves {@code at} past the closing quote. An escape, a control
     * character or a non-ASCII byte gives up.
     */
    private int quoted() throws GiveUp {
        if (at >= end || in.getByte(at) != '"') {
            throw GiveUp.INSTANCE;
        }
        int start = ++at;
        while (true) {
            if (at >= end) {
                throw GiveUp.INSTANCE;
            }
            byte b = in.getByte(at);
            if (b == '"') {
                break;
            }
            if (b == '\\' || b < 0x20) { // a non-ASCII byte is negative
                throw GiveUp.INSTANCE;
            }
            at++;
        }
        quotedLength = at - start;
        at++;
        return start;
    }

    /** A plain integer (no fraction, no exponent, no leading zero) that fits a long, or null. */
    private Long number() throws GiveUp {
        skipSpace();
        if (at >= end) {
            throw GiveUp.INSTANCE;
        }
        if (in.getByte(at) == 'n') {
            literal("null");
            return null;
        }
        boolean negative = in.getByte(at) == '-';
        if (negative) {
            at++;
        }
        int start = at;
        long v = 0;
        while (at < end) {
            byte b = in.getByte(at);
            if (b < '0' || b > '9') {
                break;
            }
            v = v * 10 + (b - '0');
            at++;
        }
        int digits = at - start;
        if (digits == 0 || digits > MAX_DIGITS || (digits > 1 && in.getByte(start) == '0')) {
            throw GiveUp.INSTANCE;
        }
        if (at < end) {
            byte b = in.getByte(at);
            if (b == '.' || b == 'e' || b == 'E') {
                throw GiveUp.INSTANCE;
            }
        }
        return negative ? -v : v;
    }

    /** A number that fits an int, or null; checked where it is read, as the parser's path does (a later value does not save it). */
    private Integer integer() throws GiveUp {
        Long v = number();
        if (v == null) {
            return null;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw GiveUp.INSTANCE;
        }
        return v.intValue();
    }

    private boolean literalNull() throws GiveUp {
        skipSpace();
        if (at < end && in.getByte(at) == 'n') {
            literal("null");
            return true;
        }
        return false;
    }

    private void literal(String word) throws GiveUp {
        if (end - at < word.length()) {
            throw GiveUp.INSTANCE;
        }
        for (int i = 0; i < word.length(); i++) {
            if (in.getByte(at + i) != word.charAt(i)) {
                throw GiveUp.INSTANCE;
            }
        }
        at += word.length();
        if (at < end) {
            byte b = in.getByte(at); // "nullx" is not null
            if (b != ',' && b != '}' && b != ']' && !space(b)) {
                throw GiveUp.INSTANCE;
            }
        }
    }

    /** After a value: true on a comma (another follows), false on {@code close}. */
    private boolean next(char close) throws GiveUp {
        skipSpace();
        if (at < end) {
            byte b = in.getByte(at++);
            if (b == ',') {
                return true;
            }
            if (b == close) {
                return false;
            }
        }
        throw GiveUp.INSTANCE;
    }

    /** Right after an opening bracket: true (and past it) when {@code close} follows at once. */
    private boolean closes(char close) {
        skipSpace();
        if (at < end && in.getByte(at) == close) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(char c) throws GiveUp {
        skipSpace();
        if (at >= end || in.getByte(at) != c) {
            throw GiveUp.INSTANCE;
        }
        at++;
    }

    private void skipSpace() {
        while (at < end && space(in.getByte(at))) {
            at++;
        }
    }

    private static boolean space(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }
}
