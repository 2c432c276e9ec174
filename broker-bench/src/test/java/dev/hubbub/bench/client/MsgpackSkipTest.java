package dev.hubbub.bench.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

class MsgpackSkipTest {
    /** Reads a byte array; fails with IOException past its end or on a bad type. */
    private static final class Bytes implements MsgpackSkip.Cursor<IOException> {
        final byte[] b;
        int pos;

        Bytes(byte[] b) { this.b = b; }

        @Override
        public int u8() throws IOException {
            if (pos >= b.length) {
                throw new IOException("past the end");
            }
            return b[pos++] & 0xff;
        }

        @Override
        public long uint(int bytes) throws IOException {
            long v = 0;
            for (int i = 0; i < bytes; i++) {
                v = (v << 8) | u8();
            }
            return v;
        }

        @Override
        public void skipBytes(long n) throws IOException {
            if (n > b.length - pos) {
                throw new IOException("past the end");
            }
            pos += (int) n;
        }

        @Override
        public IOException malformed(int type) { return new IOException("bad type " + type); }
    }

    // Rule: one skip steps over exactly one whole value of every MessagePack type, however nested,
    // and stops right where the next value starts.
    @Test
    void skipsEveryKindOfValueExactly() throws Exception {
        MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
        p.packMapHeader(3);
        p.packString("a").packArrayHeader(20);
        for (int i = 0; i < 20; i++) {
            p.packLong(i * 1_000_003L * (i % 2 == 0 ? 1 : -1) * (i > 10 ? 100_000_000L : 1));
        }
        p.packString("b").packBinaryHeader(300).writePayload(new byte[300]);
        p.packString("c").packMapHeader(20);
        for (int i = 0; i < 20; i++) {
            p.packString("k" + i);
            switch (i % 6) {
                case 0 -> p.packDouble(1.5);
                case 1 -> p.packFloat(2.5f);
                case 2 -> p.packNil();
                case 3 -> p.packBoolean(true);
                case 4 -> p.packExtensionTypeHeader((byte) 1, i * 7).writePayload(new byte[i * 7]);
                default -> p.packString("x".repeat(40_000));
            }
        }
        byte[] value = p.toByteArray();
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        framed.write(value);
        framed.write(0x2a); // the next value: fixint 42
        Bytes c = new Bytes(framed.toByteArray());
        MsgpackSkip.skip(c, 1);
        assertEquals(value.length, c.pos);
        assertEquals(42, c.u8());
    }

    // Rule: a byte that starts no value (0xc1) is refused through the reader's own failure.
    @Test
    void aByteThatStartsNoValueIsRefused() {
        assertThrows(IOException.class, () -> MsgpackSkip.skip(new Bytes(new byte[] {(byte) 0x92, 1, (byte) 0xc1}), 1));
    }
}
