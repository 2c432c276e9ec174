package dev.hubbub.core.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An Ably Message. {@code data} is a {@link String}, a {@code byte[]} or null; object payloads arrive
 * already stringified with a {@code json} encoding step. {@code extras} is opaque and passed through.
 */
public record Message(
        String id,
        String clientId,
        String connectionId,
        String connectionKey,
        String name,
        Object data,
        String encoding,
        JsonNode extras,
        Long timestamp,
        Integer action,
        String serial) {

    public Message {
        if (data != null && !(data instanceof String) && !(data instanceof byte[])) {
            throw new IllegalArgumentException("data must be a String or byte[]");
        }
    }

    public static Message of(String name, Object data) {
        return new Message(null, null, null, null, name, data, null, null, null, null, null);
    }

    public Message withClientId(String newClientId) {
        return new Message(id, newClientId, connectionId, connectionKey, name, data, encoding, extras, timestamp, action, serial);
    }

    /** The same message at a position in its channel's order. */
    public Message withSerial(String newSerial) {
        return new Message(id, clientId, connectionId, connectionKey, name, data, encoding, extras, timestamp, action, newSerial);
    }

    /** Stamps what the broker assigns on receipt; keeps a client-supplied id. */
    public Message stamped(String defaultId, String newConnectionId, long newTimestamp, String newSerial) {
        return new Message(id != null ? id : defaultId, clientId, newConnectionId, null, name, data, encoding, extras,
                newTimestamp, action != null ? action : 0, newSerial);
    }

    /**
     * Size for the message size limit: every field a client sets counts, in UTF-8 bytes: id, name,
     * clientId, connectionKey, encoding, extras (its JSON text) and data. Ably's rule (TM6) names
     * name, data, clientId and extras; the others count too, so no field can carry an unbounded
     * payload past the limit. Binary counts its bytes whichever format carried it: a MessagePack
     * bin, or base64 text whose last encoding step is {@code base64} (as JSON clients send binary)
     * counts the bytes it decodes to, and its encoding without that last step (what the same
     * message carries in MessagePack), so binary is the same size in both formats. The fields the
     * broker stamps itself (connectionId, timestamp, serial) do not count.
     */
    public int size() {
        return utf8Length(id) + utf8Length(name) + utf8Length(clientId) + utf8Length(connectionKey) + encodingSize(data, encoding)
                + extrasSize(extras) + dataSize(data, encoding);
    }

    /**
     * The encoding's UTF-8 bytes, less a last {@code base64} step that only carries binary data
     * through JSON (and is not there in MessagePack): counted when the data is not base64 after all.
     */
    static int encodingSize(Object data, String encoding) {
        if (encoding == null) {
            return 0;
        }
        if (data instanceof String s && endsWithBase64Step(encoding) && base64DecodedLength(s) >= 0) {
            return utf8Length(encoding) - (encoding.equals("base64") ? 6 : 7); // the step, and its '/' before it
        }
        return utf8Length(encoding);
    }

    private static boolean endsWithBase64Step(String encoding) {
        return encoding.equals("base64") || encoding.endsWith("/base64");
    }

    /** {@code extras} as the UTF-8 bytes of its JSON text; 0 when absent. */
    static int extrasSize(JsonNode extras) {
        return extras == null || extras.isNull() ? 0 : utf8Length(extras.toString());
    }

    static int dataSize(Object data, String encoding) {
        if (data instanceof byte[] bytes) {
            return bytes.length;
        }
        if (!(data instanceof String s)) {
            return 0;
        }
        if (encoding != null && endsWithBase64Step(encoding)) {
            int decoded = base64DecodedLength(s);
            if (decoded >= 0) {
                return decoded;
            }
        }
        return utf8Length(s);
    }

    /** How many bytes base64 text decodes to, without decoding it; -1 if it is not base64. */
    static int base64DecodedLength(String s) {
        int n = s.length();
        int pad = 0;
        while (pad < 2 && n - pad > 0 && s.charAt(n - pad - 1) == '=') {
            pad++;
        }
        int chars = n - pad;
        if (chars % 4 == 1 || (pad > 0 && n % 4 != 0)) {
            return -1;
        }
        for (int i = 0; i < chars; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
            if (!ok) {
                return -1;
            }
        }
        return (int) ((long) chars * 3 / 4);
    }

    /** UTF-8 length of {@code s} without encoding it (an unpaired surrogate counts 3 bytes). */
    static int utf8Length(String s) {
        if (s == null) {
            return 0;
        }
        int n = s.length();
        long bytes = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 2; // 4 bytes for the pair's 2 chars
                i++;
            } else {
                bytes += 2;
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }
}
