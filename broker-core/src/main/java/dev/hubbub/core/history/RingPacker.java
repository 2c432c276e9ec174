package dev.hubbub.core.history;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.protocol.Message;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * How {@link MessageRing} packs a message into bytes and back: id, clientId, connectionId,
 * connectionKey, name, encoding, data and action, in that order. A string is a varint header (0: null; else 1 + length * 2 + wide)
 * then its characters, one byte each or two when {@code wide}. Data is a tag (0 none, 1 text,
 * 2 binary) then a string, or a varint length and the bytes. Action is a tag (0 none, 1 present)
 * then four bytes. One per thread, reused (its buffer is scratch, good until its next use).
 */
final class RingPacker {
    byte[] buf = new byte[256];
    private int pos;

    int pack(Message m) {
        pos = 0;
        string(m.id());
        string(m.clientId());
        string(m.connectionId());
        string(m.connectionKey());
        string(m.name());
        string(m.encoding());
        Object d = m.data();
        if (d == null) {
            room(1);
            buf[pos++] = 0;
        } else if (d instanceof String s) {
            room(1);
            buf[pos++] = 1;
            string(s);
        } else {
            byte[] b = (byte[]) d;
            room(6 + b.length);
            buf[pos++] = 2;
            varint(b.length);
            System.arraycopy(b, 0, buf, pos, b.length);
            pos += b.length;
        }
        Integer action = m.action();
        room(5);
        if (action == null) {
            buf[pos++] = 0;
        } else {
            buf[pos++] = 1;
            int a = action;
            buf[pos++] = (byte) (a >>> 24);
            buf[pos++] = (byte) (a >>> 16);
            buf[pos++] = (byte) (a >>> 8);
            buf[pos++] = (byte) a;
        }
        return pos;
    }

    /** {@code length} bytes of {@code from} at {@code at}, copied into this packer's scratch (good until its next use). */
    byte[] copyIn(ByteBuffer from, int at, int length) {
        pos = 0;
        room(length);
        from.get(at, buf, 0, length);
        return buf;
    }

    Message unpack(byte[] in, int at, Long timestamp, JsonNode extras, String serial) {
        pos = at;
        String id = readString(in);
        String clientId = readString(in);
        String connectionId = readString(in);
        String connectionKey = readString(in);
        String name = readString(in);
        String encoding = readString(in);
        Object data;
        byte tag = in[pos++];
        if (tag == 0) {
            data = null;
        } else if (tag == 1) {
            data = readString(in);
        } else {
            int n = readVarint(in);
            data = Arrays.copyOfRange(in, pos, pos + n);
            pos += n;
        }
        Integer action = null;
        if (in[pos++] != 0) {
            action = ((in[pos] & 0xff) << 24) | ((in[pos + 1] & 0xff) << 16) | ((in[pos + 2] & 0xff) << 8) | (in[pos + 3] & 0xff);
            pos += 4;
        }
        return new Message(id, clientId, connectionId, connectionKey, name, data, encoding, extras, timestamp, action, serial);
    }

    private void string(String s) {
        if (s == null) {
            room(1);
            buf[pos++] = 0;
            return;
        }
        int n = s.length();
        boolean wide = false;
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) > 0xff) {
                wide = true;
                break;
            }
        }
        room(5 + (wide ? 2 * n : n));
        varint(1 + n * 2 + (wide ? 1 : 0));
        if (wide) {
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                buf[pos++] = (byte) (c >>> 8);
                buf[pos++] = (byte) c;
            }
        } else {
            for (int i = 0; i < n; i++) {
                buf[pos++] = (byte) s.charAt(i);
            }
        }
    }

    private String readString(byte[] in) {
        int header = readVarint(in);
        if (header == 0) {
            return null;
        }
        int n = (header - 1) >>> 1;
        if (((header - 1) & 1) == 0) {
            String s = new String(in, pos, n, StandardCharsets.ISO_8859_1);
            pos += n;
            return s;
        }
        char[] chars = new char[n];
        for (int i = 0; i < n; i++) {
            chars[i] = (char) (((in[pos] & 0xff) << 8) | (in[pos + 1] & 0xff));
            pos += 2;
        }
        return new String(chars);
    }

    private void varint(int v) {
        while ((v & ~0x7f) != 0) {
            buf[pos++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    private int readVarint(byte[] in) {
        int v = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = in[pos++];
            v |= (b & 0x7f) << shift;
            if (b >= 0) {
                return v;
            }
        }
    }

    private void room(int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }
}
