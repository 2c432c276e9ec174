package dev.hubbub.bench.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A small pull reader over one encoded ProtocolMessage, with the field logic shared by the
 * JSON and MessagePack subclasses. It reads the few fields the bench needs straight from the
 * bytes (payload stamps without building strings) and skips everything else, so an inbound
 * delivery costs one pass and almost no allocation. One instance per thread; not thread-safe.
 */
abstract class FrameReader {
    static final int MAX_DEPTH = 64;

    private static final byte[][] KEYS = {
        bytes("action"), bytes("channel"), bytes("channelSerial"), bytes("connectionId"), bytes("msgSerial"),
        bytes("count"), bytes("flags"), bytes("error"), bytes("messages"), bytes("presence"),
        bytes("connectionDetails"), bytes("data"), bytes("code"), bytes("statusCode"), bytes("message"),
        bytes("clientId"), bytes("connectionKey"), bytes("timestamp"),
    };
    static final int K_ACTION = 0;
    static final int K_CHANNEL = 1;
    static final int K_CHANNEL_SERIAL = 2;
    static final int K_CONNECTION_ID = 3;
    static final int K_MSG_SERIAL = 4;
    static final int K_COUNT = 5;
    static final int K_FLAGS = 6;
    static final int K_ERROR = 7;
    static final int K_MESSAGES = 8;
    static final int K_PRESENCE = 9;
    static final int K_CONNECTION_DETAILS = 10;
    static final int K_DATA = 11;
    static final int K_CODE = 12;
    static final int K_STATUS_CODE = 13;
    static final int K_MESSAGE = 14;
    static final int K_CLIENT_ID = 15;
    static final int K_CONNECTION_KEY = 16;
    static final int K_TIMESTAMP = 17;

    protected byte[] b;
    protected int pos;
    protected int end;
    /** The sequence number found by the last {@link #stampValue()}, or Payload.NO_SEQUENCE. */
    protected long sequence;

    /** Starts on an object; if the value is something else it is skipped and false returned. */
    abstract boolean beginObject() throws IOException;

    /** Moves to the next key of the current object, or leaves the object and returns false. */
    abstract boolean nextField() throws IOException;

    /** Reads the key ({@link #KEYS} index, -1 when unknown) and moves to its value. */
    abstract int key() throws IOException;

    abstract boolean beginArray() throws IOException;

    abstract boolean nextElement() throws IOException;

    /** A number value, or {@link InboundFrame#ABSENT} (the value is skipped) when it is not one. */
    abstract long longValue() throws IOException;

    /** A string value, or null (skipped) when it is not one. */
    abstract String stringValue() throws IOException;

    /**
     * The payload stamp at the start of a string value, or Payload.NO_STAMP; also sets
     * {@link #sequence} to the payload's sequence number (Payload.NO_SEQUENCE when it has none).
     */
    abstract long stampValue() throws IOException;

    /** Reads stamp and sequence from a payload's UTF-8 bytes; for {@link #stampValue()}. */
    final long stampAndSequence(byte[] data, int off, int len) {
        sequence = dev.hubbub.bench.run.Payload.decodeSequence(data, off, len);
        return dev.hubbub.bench.run.Payload.decode(data, off, len);
    }

    abstract void skipValue() throws IOException;

    /** Resets per-frame state before a read. */
    abstract void reset();

    final InboundFrame read(byte[] bytes, int offset, int length) throws IOException {
        b = bytes;
        pos = offset;
        end = offset + length;
        reset();
        InboundFrame f = new InboundFrame();
        if (!beginObject()) {
            throw new IOException("ProtocolMessage is not an object");
        }
        while (nextField()) {
            switch (key()) {
                case K_ACTION -> f.action = (int) longValue();
                case K_CHANNEL -> f.channel = stringValue();
                case K_CHANNEL_SERIAL -> f.channelSerial = stringValue();
                case K_CONNECTION_ID -> f.connectionId = stringValue();
                case K_MSG_SERIAL -> f.msgSerial = longValue();
                case K_COUNT -> f.count = (int) Math.max(0, longValue());
                case K_FLAGS -> f.flags = Math.max(0, longValue());
                case K_ERROR -> readError(f);
                case K_MESSAGES, K_PRESENCE -> readItems(f);
                case K_CONNECTION_DETAILS -> readDetails(f);
                case K_TIMESTAMP -> f.timestamp = longValue();
                default -> skipValue();
            }
        }
        return f;
    }

    private void readError(InboundFrame f) throws IOException {
        if (!beginObject()) {
            return;
        }
        f.errorMessage = "";
        while (nextField()) {
            switch (key()) {
                case K_CODE -> f.errorCode = (int) Math.max(0, longValue());
                case K_STATUS_CODE -> f.errorStatus = (int) Math.max(0, longValue());
                case K_MESSAGE -> {
                    String m = stringValue();
                    f.errorMessage = m == null ? "" : m;
                }
                default -> skipValue();
            }
        }
    }

    private void readDetails(InboundFrame f) throws IOException {
        if (!beginObject()) {
            return;
        }
        while (nextField()) {
            switch (key()) {
                case K_CLIENT_ID -> f.clientId = stringValue();
                case K_CONNECTION_KEY -> f.connectionKey = stringValue();
                default -> skipValue();
            }
        }
    }

    private void readItems(InboundFrame f) throws IOException {
        if (!beginArray()) {
            return;
        }
        while (nextElement()) {
            long stamp = dev.hubbub.bench.run.Payload.NO_STAMP;
            long seq = dev.hubbub.bench.run.Payload.NO_SEQUENCE;
            int action = -1;
            if (beginObject()) {
                while (nextField()) {
                    switch (key()) {
                        case K_DATA -> {
                            sequence = dev.hubbub.bench.run.Payload.NO_SEQUENCE;
                            stamp = stampValue();
                            seq = sequence;
                        }
                        case K_ACTION -> action = (int) longValue();
                        default -> skipValue();
                    }
                }
            }
            f.addItem(stamp, seq, action);
        }
    }

    /** Key indexes by length, so a lookup compares against one or two candidates at most. */
    private static final int[][] BY_LENGTH = byLength();

    private static int[][] byLength() {
        int max = 0;
        for (byte[] k : KEYS) {
            max = Math.max(max, k.length);
        }
        int[][] out = new int[max + 1][0];
        for (int k = 0; k < KEYS.length; k++) {
            int[] prev = out[KEYS[k].length];
            int[] next = java.util.Arrays.copyOf(prev, prev.length + 1);
            next[prev.length] = k;
            out[KEYS[k].length] = next;
        }
        return out;
    }

    /** The index of the key in bytes [start, start+len), or -1. */
    static int match(byte[] src, int start, int len) {
        if (len >= BY_LENGTH.length) {
            return -1;
        }
        for (int k : BY_LENGTH[len]) {
            byte[] key = KEYS[k];
            int i = 0;
            while (i < len && key[i] == src[start + i]) { // keys are short: a plain loop beats Arrays.equals
                i++;
            }
            if (i == len) {
                return k;
            }
        }
        return -1;
    }

    final void need(int n) throws IOException {
        if (n < 0 || pos + n > end) {
            throw new IOException("truncated frame");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
