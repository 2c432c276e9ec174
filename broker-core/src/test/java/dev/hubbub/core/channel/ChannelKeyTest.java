package dev.hubbub.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChannelKeyTest {
    @Test
    void aChannelIsItsAppAndItsNameTogether() {
        ChannelKey a = new ChannelKey("app1", "room");
        assertEquals(a, new ChannelKey(new String("app1"), new String("room")));
        assertEquals(a.hashCode(), new ChannelKey("app1", "room").hashCode());
        assertNotEquals(a, new ChannelKey("app2", "room"), "apps never share a channel");
        assertNotEquals(a, new ChannelKey("app1", "room2"));
        assertNotEquals(new ChannelKey("ab", "c"), new ChannelKey("a", "bc"));
        assertNotEquals(a, null);
        assertNotEquals(a, "app1:room");
        assertEquals(new ChannelKey(null, null), new ChannelKey(null, null));

        Map<ChannelKey, String> byKey = new HashMap<>();
        byKey.put(a, "one");
        byKey.put(new ChannelKey("app2", "room"), "two");
        assertEquals("one", byKey.get(new ChannelKey("app1", "room")));
        assertEquals("two", byKey.get(new ChannelKey("app2", "room")));
    }
}
