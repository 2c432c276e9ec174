package dev.hubbub.transport.codec;

import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Writes the JSON frames a busy broker sends most (MESSAGE, PRESENCE, ACK, NACK and the like)
 * straight into a byte array: field names as ready bytes, numbers as digits, strings copied with
 * only the escapes JSON requires. Through Jackson's generator each field costs a state check, a
 * separator decision and an escape-table walk per character: 5.7% of the broker's CPU in a profile
 * of 1,000 small channels (its MESSAGE and ACK frames).
 *
 * <p>The output is byte for byte what {@link ProtocolWriter} writes through Jackson's JSON
 * generator; {@code JsonFrameWriterTest} holds the two together. A frame with something rarer
 * (connection details, params, extras, a string with a surrogate, whose forms the generator
 * decides) throws {@link GiveUp}, and the caller writes it through the generator instead.
 *
 * <p>One instance per thread: it keeps the bytes of the frame being written until the caller
 * copies them out.
 */
final class JsonFrameWriter {
    private static final byte[] F_ACTION = name("action");
    private static final byte[] F_ID = name("id");
    private static final byte[] F_CHANNEL = name("channel");
    private static final byte[] F_CHANNEL_SERIAL = name("channelSerial");
    private static final byte[] F_CONNECTION_ID = name("connectionId");
    private static final byte[] F_COUNT = name("count");
    private static final byte[] F_ERROR = name("error");
    private static final byte[] F_FLAGS = name("flags");
    private static final byte[] F_MSG_SERIAL = name("msgSerial");
    private static final byte[] F_TIMESTAMP = name("timestamp");
    private static final byte[] F_MESSAGES = name("messages");
    private static final byte[] F_PRESENCE = name("presence");
    private static final byte[] F_RES = name("res");
    private static final byte[] F_CLIENT_ID = name("clientId");
    private static final byte[] F_NAME = name("name");
    private static final byte[] F_SERIAL = name("serial");
    private static final byte[] F_DATA = name("data");
    private static final byte[] F_ENCODING = name("encoding");
    private static final byte[] F_CODE = name("code");
    private static final byte[] F_STATUS_CODE = name("statusCode");
    /** The one field of a res entry, and the first of an error: written with the brace that opens the object. */
    private static final byte[] OPEN_SERIALS = "{\"serials\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPEN_MESSAGE = "{\"message\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};
    private static final byte[] MIN_LONG = Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /**
     * How Jackson writes each ASCII character in a string: 0 as it is, -1 as {@code \}{@code u00XX},
     * else a backslash and that character.
     */
    private static final int[] ESCAPES = new int[128];

    static {
        for (int c = 0; c < 32; c++) {
            ESCAPES[c] = -1;
        }
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
        ESCAPES['\b'] = 'b';
        ESCAPES['\t'] = 't';
        ESCAPES['\f'] = 'f';
        ESCAPES['\n'] = 'n';
        ESCAPES['\r'] = 'r';
    }

    /** The array grows for a large frame (six bytes a char reserved per string); past this it is dropped at the next frame. */
    private static final int KEPT_BYTES = 256 * 1024;

    private byte[] buf = new byte[1024];
    private int at;
    /** No field written yet in the object being written: its first field goes without a comma. */
    private boolean first;

    /** Writes {@code m} as one JSON document; its bytes are then {@link #bytes} up to {@link #length}. */
    void write(ProtocolMessage m) throws GiveUp {
        if (m.connectionDetails() != null || m.params() != null) {
            throw GiveUp.INSTANCE;
        }
        at = 0;
        if (buf.length > KEPT_BYTES) {
            buf = new byte[1024]; // a large frame's array is not kept by the thread for every frame after it
        }
        open();
        num(F_ACTION, m.action().wire());
        str(F_ID, m.id());
        str(F_CHANNEL, m.channel());
        str(F_CHANNEL_SERIAL, m.channelSerial());
        str(F_CONNECTION_ID, m.connectionId());
        num(F_COUNT, m.count());
        if (m.error() != null) {
            field(F_ERROR);
            error(m.error());
        }
        num(F_FLAGS, m.flags());
        num(F_MSG_SERIAL, m.msgSerial());
        num(F_TIMESTAMP, m.timestamp());
        if (m.messages() != null) {
            field(F_MESSAGES);
            put('[');
            List<Message> messages = m.messages();
            for (int i = 0; i < messages.size(); i++) { // indexed: no iterator per frame
                if (i > 0) {
                    put(',');
                }
                message(messages.get(i));
            }
            put(']');
        }
        if (m.presence() != null) {
            field(F_PRESENCE);
            put('[');
            List<PresenceMessage> presence = m.presence();
            for (int i = 0; i < presence.size(); i++) {
                if (i > 0) {
                    put(',');
                }
                presence(presence.get(i));
            }
            put(']');
        }
        if (m.res() != null) {
            field(F_RES);
            put('[');
            List<PublishResult> res = m.res();
            for (int i = 0; i < res.size(); i++) {
                if (i > 0) {
                    put(',');
                }
                raw(OPEN_SERIALS);
                put('[');
                List<String> serials = res.get(i).serials();
                for (int j = 0; j < serials.size(); j++) {
                    if (j > 0) {
                        put(',');
                    }
                    stringOrNull(serials.get(j));
                }
                put(']');
                put('}');
            }
            put(']');
        }
        put('}');
    }

    /** The frame's bytes, from 0 to {@link #length}; valid until the next write. */
    byte[] bytes() { return buf; }

    int length() { return at; }

    private void message(Message m) throws GiveUp {
        if (m.extras() != null) {
            throw GiveUp.INSTANCE;
        }
        open();
        str(F_ID, m.id());
        str(F_CLIENT_ID, m.clientId());
        str(F_CONNECTION_ID, m.connectionId());
        str(F_NAME, m.name());
        data(m.data(), m.encoding());
        num(F_TIMESTAMP, m.timestamp());
        num(F_ACTION, m.action());
        str(F_SERIAL, m.serial());
        close();
    }

    private void presence(PresenceMessage p) throws GiveUp {
        if (p.extras() != null) {
            throw GiveUp.INSTANCE;
        }
        open();
        str(F_ID, p.id());
        num(F_ACTION, p.action().wire());
        str(F_CLIENT_ID, p.clientId());
        str(F_CONNECTION_ID, p.connectionId());
        data(p.data(), p.encoding());
        num(F_TIMESTAMP, p.timestamp());
        close();
    }

    private void data(Object data, String encoding) throws GiveUp {
        if (data instanceof byte[] bytes) {
            str(F_DATA, Base64.getEncoder().encodeToString(bytes));
            str(F_ENCODING, ProtocolWriter.jsonBinaryEncoding(encoding));
            return;
        }
        str(F_DATA, (String) data);
        str(F_ENCODING, encoding);
    }

    /** As ProtocolWriter.error: message, code, statusCode, always all three. */
    private void error(ErrorInfo e) throws GiveUp {
        raw(OPEN_MESSAGE);
        stringOrNull(e.message());
        put(',');
        raw(F_CODE);
        number(e.code());
        put(',');
        raw(F_STATUS_CODE);
        number(e.statusCode());
        put('}');
    }

    private void open() {
        put('{');
        first = true;
    }

    /** Ends an object nested in the frame, whose fields come after it with a comma. */
    private void close() {
        put('}');
        first = false;
    }

    /** A field's name, after a comma unless it is its object's first. */
    private void field(byte[] name) {
        if (first) {
            first = false;
        } else {
            put(',');
        }
        raw(name);
    }

    private void str(byte[] name, String value) throws GiveUp {
        if (value != null) {
            field(name);
            string(value);
        }
    }

    private void num(byte[] name, Number value) {
        if (value != null) {
            field(name);
            number(value.longValue());
        }
    }

    private void num(byte[] name, long value) {
        field(name);
        number(value);
    }

    private void stringOrNull(String value) throws GiveUp {
        if (value == null) {
            raw(NULL);
        } else {
            string(value);
        }
    }

    /** A JSON string: ASCII copied (escaped as Jackson escapes), other characters as UTF-8; a surrogate gives up. */
    private void string(String s) throws GiveUp {
        int n = s.length();
        ensure(n * 6 + 2); // six bytes (backslash, u, four hex digits) are the most a char gets here
        byte[] b = buf;
        int p = at;
        b[p++] = '"';
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 128) {
                int e = ESCAPES[c];
                if (e == 0) {
                    b[p++] = (byte) c;
                } else if (e > 0) {
                    b[p++] = '\\';
                    b[p++] = (byte) e;
                } else {
                    b[p++] = '\\';
                    b[p++] = 'u';
                    b[p++] = '0';
                    b[p++] = '0';
                    b[p++] = HEX[c >> 4];
                    b[p++] = HEX[c & 0xF];
                }
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                throw GiveUp.INSTANCE;
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        b[p++] = '"';
        at = p;
    }

    /** {@code v} in decimal, as Jackson writes a long. */
    private void number(long v) {
        ensure(20);
        if (v == Long.MIN_VALUE) {
            raw(MIN_LONG);
            return;
        }
        if (v < 0) {
            buf[at++] = '-';
            v = -v;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        int p = at + digits;
        at = p;
        do {
            buf[--p] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
    }

    private void raw(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, at, bytes.length);
        at += bytes.length;
    }

    private void put(int b) {
        ensure(1);
        buf[at++] = (byte) b;
    }

    private void ensure(int more) {
        if (at + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, at + more));
        }
    }

    /** {@code "name":} as bytes. */
    private static byte[] name(String name) {
        return ("\"" + name + "\":").getBytes(StandardCharsets.US_ASCII);
    }
}
