package dev.hubbub.transport.codec;

import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The fast path for a MessagePack realtime frame, as {@link JsonFrameReader} is for JSON: the
 * frame's bytes are read in place, straight into a {@link ProtocolMessage}, with no unpacker and
 * no tree. It takes the frames sent most (publishes, heartbeats, attach and detach without
 * params) and gives up, with {@link GiveUp}, at anything else: presence, auth,
 * params, a message's extras or structured data, a value of the wrong type, an extension type, a
 * map key that is not a str, a length past the end, a trailing byte. The caller then decodes the
 * frame through {@link MsgpackTreeReader}, which decides every error and salvages msgSerial and
 * channel as it always has. A field given twice takes its last value, as in the tree.
 */
final class MsgpackFrameReader {
    /** The frame's fields this path reads or must see nil, by wire name. */
    private enum FrameField {
        ACTION("action"), ID("id"), CHANNEL("channel"), CHANNEL_SERIAL("channelSerial"), CONNECTION_ID("connectionId"),
        COUNT("count"), FLAGS("flags"), MSG_SERIAL("msgSerial"), MESSAGES("messages"), TIMESTAMP("timestamp"),
        PRESENCE("presence"), AUTH("auth"), PARAMS("params");

        static final FrameField[] ALL = values();
        static final byte[][] NAMES = names(ALL, f -> f.wire);
        private final String wire;

        FrameField(String wire) { this.wire = wire; }
    }

    /** A message's fields this path reads or must see nil, by wire name. */
    private enum MessageField {
        ID("id"), CLIENT_ID("clientId"), CONNECTION_ID("connectionId"), CONNECTION_KEY("connectionKey"), NAME("name"),
        ENCODING("encoding"), ACTION("action"), DATA("data"), EXTRAS("extras");

        static final MessageField[] ALL = values();
        static final byte[][] NAMES = names(ALL, f -> f.wire);
        private final String wire;

        MessageField(String wire) { this.wire = wire; }
    }

    private static <F> byte[][] names(F[] fields, java.util.function.Function<F, String> wire) {
        byte[][] names = new byte[fields.length][];
        for (int i = 0; i < fields.length; i++) {
            names[i] = wire.apply(fields[i]).getBytes(StandardCharsets.US_ASCII);
        }
        return names;
    }

    /** Deeper than this, an unknown field's value is left to the tree path (which allows more, and checks). */
    private static final int MAX_SKIP_DEPTH = 64;

    private final ByteBuf in;
    private final int end;
    private int pos;

    private MsgpackFrameReader(ByteBuf in) {
        this.in = in;
        this.pos = in.readerIndex();
        this.end = in.writerIndex();
    }

    /** Reads the whole readable part of {@code bytes} as one frame, without moving its indexes. */
    static ProtocolMessage read(ByteBuf bytes) throws GiveUp {
        return new MsgpackFrameReader(bytes).frame();
    }

    private ProtocolMessage frame() throws GiveUp {
        int entries = mapHeader();
        Integer action = null;
        String id = null;
        String channel = null;
        String channelSerial = null;
        String connectionId = null;
        Integer count = null;
        Integer flags = null;
        Long msgSerial = null;
        List<Message> messages = null;
        Long timestamp = null;
        for (int i = 0; i < entries; i++) {
            FrameField field = field(FrameField.NAMES, FrameField.ALL);
            if (field == null) {
                skip(1);
                continue;
            }
            switch (field) {
                case ACTION -> action = integer();
                case ID -> id = text();
                case CHANNEL -> channel = text();
                case CHANNEL_SERIAL -> channelSerial = text();
                case CONNECTION_ID -> connectionId = text();
                case COUNT -> count = integer();
                case FLAGS -> flags = integer();
                case MSG_SERIAL -> msgSerial = longValue();
                case MESSAGES -> messages = messages();
                case TIMESTAMP -> timestamp = longValue();
                case PRESENCE, AUTH, PARAMS -> nil(); // present and not nil: the tree path reads them
            }
        }
        if (pos != end) {
            throw GiveUp.INSTANCE; // something after the frame: the tree path says what
        }
        Action a = action == null ? null : Action.fromWire(action);
        if (a == null) {
            throw GiveUp.INSTANCE;
        }
        return new ProtocolMessage(a, id, channel, channelSerial, connectionId, null, count, null, flags, msgSerial,
                messages, null, timestamp, null, null, null);
    }

    private List<Message> messages() throws GiveUp {
        int b = peek();
        if (b == 0xc0) {
            pos++;
            return null;
        }
        int n = arrayHeader();
        List<Message> out = new ArrayList<>(Math.min(n, 16));
        for (int i = 0; i < n; i++) {
            out.add(message());
        }
        return out;
    }

    private Message message() throws GiveUp {
        int entries = mapHeader();
        String id = null;
        String clientId = null;
        String connectionId = null;
        String connectionKey = null;
        String name = null;
        String encoding = null;
        Integer action = null;
        Object data = null;
        for (int i = 0; i < entries; i++) {
            MessageField field = field(MessageField.NAMES, MessageField.ALL);
            if (field == null) {
                skip(3);
                continue;
            }
            switch (field) {
                case ID -> id = text();
                case CLIENT_ID -> clientId = text();
                case CONNECTION_ID -> connectionId = text();
                case CONNECTION_KEY -> connectionKey = text();
                case NAME -> name = text();
                case ENCODING -> encoding = text();
                case ACTION -> action = integer();
                case DATA -> data = data();
                case EXTRAS -> nil();
            }
        }
        if (action != null && action < 0) {
            throw GiveUp.INSTANCE;
        }
        return new Message(id, clientId, connectionId, connectionKey, name, data, encoding, null, null, action, null);
    }

    /** str as a String, bin as bytes, nil; a map, an array or anything else is the tree path's. */
    private Object data() throws GiveUp {
        int b = peek();
        if (b == 0xc0) {
            pos++;
            return null;
        }
        if (b == 0xc4 || b == 0xc5 || b == 0xc6) {
            pos++;
            int n = length(b == 0xc4 ? 1 : b == 0xc5 ? 2 : 4);
            byte[] bytes = new byte[n];
            in.getBytes(pos, bytes);
            pos += n;
            return bytes;
        }
        return string();
    }

    /** A nil where this path can take nothing else. */
    private void nil() throws GiveUp {
        if (peek() != 0xc0) {
            throw GiveUp.INSTANCE;
        }
        pos++;
    }

    /**
     * A map key, matched in place against {@code names}: the field it names, or null for a key this
     * path does not read. A key is not made a String (a decode, a String and its hash per key, about
     * seven a publish); the names are ASCII, and no other UTF-8 decodes to them, so this matches
     * exactly the keys a decoded comparison would.
     */
    private <F> F field(byte[][] names, F[] fields) throws GiveUp {
        int n = strLength();
        int at = pos;
        pos += n;
        for (int i = 0; i < names.length; i++) {
            if (names[i].length == n && sameBytes(at, names[i])) {
                return fields[i];
            }
        }
        return null;
    }

    private boolean sameBytes(int at, byte[] name) {
        for (int i = 0; i < name.length; i++) {
            if (in.getByte(at + i) != name[i]) {
                return false;
            }
        }
        return true;
    }

    private String text() throws GiveUp {
        if (peek() == 0xc0) {
            pos++;
            return null;
        }
        return string();
    }

    private String string() throws GiveUp {
        int n = strLength();
        String s = in.toString(pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    /** A str header's length, checked against the bytes left; anything but a str gives up. */
    private int strLength() throws GiveUp {
        int b = next();
        if ((b & 0xe0) == 0xa0) {
            return checked(b & 0x1f);
        }
        return switch (b) {
            case 0xd9 -> length(1);
            case 0xda -> length(2);
            case 0xdb -> length(4);
            default -> throw GiveUp.INSTANCE;
        };
    }

    private Integer integer() throws GiveUp {
        Long l = longValue();
        if (l != null && (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE)) {
            throw GiveUp.INSTANCE;
        }
        return l == null ? null : l.intValue();
    }

    /** Any MessagePack int that fits a long, or nil; a float, a uint64 past Long.MAX_VALUE or anything else gives up. */
    private Long longValue() throws GiveUp {
        int b = next();
        if (b < 0x80) {
            return (long) b;
        }
        if (b >= 0xe0) {
            return (long) (byte) b;
        }
        long v;
        switch (b) {
            case 0xc0 -> {
                return null;
            }
            case 0xcc -> v = in.getUnsignedByte(need(1));
            case 0xcd -> v = in.getUnsignedShort(need(2));
            case 0xce -> v = in.getUnsignedInt(need(4));
            case 0xcf -> {
                v = in.getLong(need(8));
                if (v < 0) {
                    throw GiveUp.INSTANCE;
                }
            }
            case 0xd0 -> v = in.getByte(need(1));
            case 0xd1 -> v = in.getShort(need(2));
            case 0xd2 -> v = in.getInt(need(4));
            case 0xd3 -> v = in.getLong(need(8));
            default -> throw GiveUp.INSTANCE;
        }
        return v;
    }

    private int mapHeader() throws GiveUp {
        int b = next();
        if ((b & 0xf0) == 0x80) {
            return b & 0x0f;
        }
        return switch (b) {
            case 0xde -> in.getUnsignedShort(need(2));
            case 0xdf -> count(in.getUnsignedInt(need(4)));
            default -> throw GiveUp.INSTANCE;
        };
    }

    private int arrayHeader() throws GiveUp {
        int b = next();
        if ((b & 0xf0) == 0x90) {
            return b & 0x0f;
        }
        return switch (b) {
            case 0xdc -> in.getUnsignedShort(need(2));
            case 0xdd -> count(in.getUnsignedInt(need(4)));
            default -> throw GiveUp.INSTANCE;
        };
    }

    /** Passes over one value of a field this path does not read; ext types and non-str keys are the tree path's errors. */
    private void skip(int depth) throws GiveUp {
        if (depth > MAX_SKIP_DEPTH) {
            throw GiveUp.INSTANCE;
        }
        int b = peek();
        if (b < 0x80 || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            pos++;
        } else if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf) {
            for (int i = mapHeader(); i > 0; i--) {
                passOver(strLength());
                skip(depth + 1);
            }
        } else if ((b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd) {
            for (int i = arrayHeader(); i > 0; i--) {
                skip(depth + 1);
            }
        } else if ((b & 0xe0) == 0xa0 || b == 0xd9 || b == 0xda || b == 0xdb) {
            passOver(strLength());
        } else {
            pos++;
            switch (b) {
                case 0xc4 -> passOver(length(1));
                case 0xc5 -> passOver(length(2));
                case 0xc6 -> passOver(length(4));
                case 0xcc, 0xd0 -> need(1);
                case 0xcd, 0xd1 -> need(2);
                case 0xce, 0xd2, 0xca -> need(4);
                case 0xcf, 0xd3, 0xcb -> need(8);
                default -> throw GiveUp.INSTANCE; // extension types, 0xc1
            }
        }
    }

    /**
     * Moves past {@code n} bytes whose length was just read. Never {@code pos += length()}: Java
     * reads {@code pos} before the call that moves it past the header.
     */
    private void passOver(int n) {
        pos += n;
    }

    /** A big-endian length of {@code size} bytes, then checked against what is left. */
    private int length(int size) throws GiveUp {
        int at = need(size);
        long n = switch (size) {
            case 1 -> in.getUnsignedByte(at);
            case 2 -> in.getUnsignedShort(at);
            default -> in.getUnsignedInt(at);
        };
        return checked(count(n));
    }

    private int checked(int n) throws GiveUp {
        if (n > end - pos) {
            throw GiveUp.INSTANCE;
        }
        return n;
    }

    private static int count(long n) throws GiveUp {
        if (n > Integer.MAX_VALUE) {
            throw GiveUp.INSTANCE;
        }
        return (int) n;
    }

    /** Takes {@code n} bytes: returns where they start. */
    private int need(int n) throws GiveUp {
        if (end - pos < n) {
            throw GiveUp.INSTANCE;
        }
        int at = pos;
        pos += n;
        return at;
    }

    private int peek() throws GiveUp {
        if (pos >= end) {
            throw GiveUp.INSTANCE;
        }
        return in.getUnsignedByte(pos);
    }

    private int next() throws GiveUp {
        int b = peek();
        pos++;
        return b;
    }
}
