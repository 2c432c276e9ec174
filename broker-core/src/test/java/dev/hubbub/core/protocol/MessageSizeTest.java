package dev.hubbub.core.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What counts toward the message size limit: every field a client sets, in UTF-8 bytes. */
class MessageSizeTest {
    private static final ObjectNode EXTRAS = JsonNodeFactory.instance.objectNode().put("headers", "\u00e9t\u00e9");

    private static int utf8(String s) { return s.getBytes(StandardCharsets.UTF_8).length; }

    @Test
    void aMessageCountsEveryFieldItsClientSets() {
        Message m = new Message("id-\u00e9", "caf\u00e9", "conn-stamped", "key-1", "n\u20ac", "d\uD83D\uDE00", "utf-8", EXTRAS,
                1L, 0, "serial-stamped");
        int expected = utf8("id-\u00e9") + utf8("caf\u00e9") + utf8("key-1") + utf8("n\u20ac") + utf8("d\uD83D\uDE00")
                + utf8("utf-8") + utf8(EXTRAS.toString());
        assertEquals(expected, m.size(), "connectionId and serial are the broker's and do not count");
    }

    @Test
    void aPresenceMessageCountsEveryFieldItsClientSets() {
        PresenceMessage p = new PresenceMessage("id-\u00e9", PresenceAction.ENTER, "caf\u00e9", "conn-stamped", "d\uD83D\uDE00",
                "utf-8", EXTRAS, 1L);
        assertEquals(utf8("id-\u00e9") + utf8("caf\u00e9") + utf8("d\uD83D\uDE00") + utf8("utf-8") + utf8(EXTRAS.toString()),
                p.size());
    }

    @Test
    void base64DataCountsWhatItDecodesToAndBinaryItsBytes() {
        // binary through JSON: the bytes, and the encoding less its last base64 step, as the same message in MessagePack
        assertEquals(2, new Message(null, null, null, null, null, "aGk=", "base64", null, null, null, null).size());
        assertEquals(2 + utf8("utf-8"), new Message(null, null, null, null, null, "aGk=", "utf-8/base64", null, null, null, null)
                .size());
        assertEquals(2, new Message(null, null, null, null, null, new byte[2], null, null, null, null, null).size());
        assertEquals(2 + utf8("utf-8"), new Message(null, null, null, null, null, new byte[2], "utf-8", null, null, null, null)
                .size());
        // text that is not base64 counts as text, and its whole encoding
        assertEquals(utf8("not base64!") + utf8("base64"),
                new Message(null, null, null, null, null, "not base64!", "base64", null, null, null, null).size());
    }

    @Test
    void utf8LengthMatchesTheEncoder() {
        for (String s : new String[] {"", "ascii", "\u00e9\u00e8", "\u20ac\u4e2d", "\uD83D\uDE00\uD83D\uDE01", "a\u0080\u07ff\u0800\uffff"}) {
            assertEquals(utf8(s), Message.utf8Length(s), s);
        }
    }
}
