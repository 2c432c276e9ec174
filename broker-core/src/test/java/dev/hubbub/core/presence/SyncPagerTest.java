package dev.hubbub.core.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncPagerTest {
    private static List<PresenceMessage> members(int n, String data) {
        List<PresenceMessage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PresenceMessage("c:0:" + i, PresenceAction.PRESENT, "u" + i, "c", data, null, null, 1L));
        }
        return out;
    }

    private static List<ProtocolMessage> page(int maxMembers, int maxBytes, List<PresenceMessage> members) {
        List<ProtocolMessage> pages = new ArrayList<>();
        int n = new SyncPager(maxMembers, maxBytes).page("ch", "sid", members, pages::add);
        assertEquals(n, pages.size());
        return pages;
    }

    @Test
    void emptyIsOneEmptyLastPage() {
        List<ProtocolMessage> pages = page(10, 1000, List.of());
        assertEquals(1, pages.size());
        assertEquals("sid:", pages.get(0).channelSerial());
        assertEquals(Action.SYNC, pages.get(0).action());
        assertTrue(pages.get(0).presence().isEmpty());
    }

    @Test
    void exactlyOneFullPage() {
        List<ProtocolMessage> pages = page(10, 1_000_000, members(10, null));
        assertEquals(1, pages.size());
        assertEquals("sid:", pages.get(0).channelSerial());
    }

    @Test
    void cursorsNumberThePagesAndTheLastIsEmpty() {
        List<ProtocolMessage> pages = page(10, 1_000_000, members(25, null));
        assertEquals(List.of("sid:1", "sid:2", "sid:"), pages.stream().map(ProtocolMessage::channelSerial).toList());
        assertEquals(List.of(10, 10, 5), pages.stream().map(p -> p.presence().size()).toList());
        assertEquals("u24", pages.get(2).presence().get(4).clientId());
    }

    @Test
    void aMemberLargerThanTheBudgetStillGetsAPage() {
        List<ProtocolMessage> pages = page(10, 100, members(3, "x".repeat(500)));
        assertEquals(3, pages.size());
    }

    @Test
    void syncIdsUseOnlyWordCharactersAndDashes() {
        for (int i = 0; i < 200; i++) {
            assertTrue(SyncPager.newSyncId().matches("[A-Za-z0-9_-]+"));
        }
    }
}
