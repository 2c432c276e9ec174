package dev.hubbub.core.presence;

import static dev.hubbub.core.presence.PresenceHarness.item;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.presence.PresenceHarness.Client;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ATTACHED's HAS_PRESENCE flag and the SYNC that follows it, paged. */
class PresenceSyncTest {
    /** The shape ably-js accepts: syncId of word characters and '-', then ':' and the cursor. */
    private static final Pattern CHANNEL_SERIAL = Pattern.compile("^([\\w-]+):(.*)$");

    private PresenceHarness h;
    private Client server;

    @BeforeEach
    void setUp() {
        h = new PresenceHarness(PresenceSettings.defaults().withMemberCaps(20_000, 2_000)); // one connection enters 1,234
        server = h.key("app.all", null);
        server.attach("room");
    }

    /** Enters {@code n} members as u0..u(n-1), 100 per PRESENCE frame. */
    private void enterMany(int n) {
        for (int start = 0; start < n; start += 100) {
            PresenceMessage[] batch = new PresenceMessage[Math.min(100, n - start)];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = item(PresenceAction.ENTER, "u" + (start + i), "data-" + (start + i));
            }
            assertEquals(Action.ACK, server.presence("room", batch).action());
            h.clock.advance(java.time.Duration.ofSeconds(1)); // within the connection's inbound rate (250 a second)
        }
    }

    @Test
    void emptySetMeansNoFlagAndNoSync() {
        Client late = h.key("app.all", "late");
        List<ProtocolMessage> frames = late.attach("room");
        assertEquals(1, frames.size());
        assertEquals(Action.ATTACHED, frames.get(0).action());
        assertFalse(Flags.has(frames.get(0).flagsOrZero(), Flags.HAS_PRESENCE));
    }

    @Test
    void attachedCarriesHasPresenceThenOneSyncPage() {
        server.presence("room", item(PresenceAction.ENTER, "bob", "hi"));
        Client late = h.key("app.all", "late");
        List<ProtocolMessage> frames = late.attach("room");
        assertEquals(List.of(Action.ATTACHED, Action.SYNC), frames.stream().map(ProtocolMessage::action).toList());
        int flags = frames.get(0).flagsOrZero();
        assertTrue(Flags.has(flags, Flags.HAS_PRESENCE));
        assertEquals(Flags.DEFAULT_MODES, Flags.modes(flags), "granted modes are kept");
        ProtocolMessage sync = frames.get(1);
        assertEquals("room", sync.channel());
        Matcher m = CHANNEL_SERIAL.matcher(sync.channelSerial());
        assertTrue(m.matches(), sync.channelSerial());
        assertEquals("", m.group(2), "a single page is the last page");
        PresenceMessage bob = sync.presence().get(0);
        assertEquals(PresenceAction.PRESENT, bob.action());
        assertEquals("bob", bob.clientId());
        assertEquals(server.id(), bob.connectionId());
        assertEquals(server.id() + ":0:0", bob.id());
        assertEquals("hi", bob.data());
        assertEquals(PresenceHarness.START, bob.timestamp());
    }

    @Test
    void aLargeSetArrivesInBoundedPagesWhoseUnionIsTheSet() {
        enterMany(1_234);
        Client late = h.key("app.all", "late");
        List<ProtocolMessage> frames = late.attach("room");
        List<ProtocolMessage> pages = frames.subList(1, frames.size());
        int pageLimit = PresenceSettings.defaults().syncPageMembers();
        assertTrue(pages.size() >= 1_234 / pageLimit + 1, "pages: " + pages.size());
        String syncId = null;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < pages.size(); i++) {
            ProtocolMessage page = pages.get(i);
            assertEquals(Action.SYNC, page.action());
            assertTrue(page.presence().size() <= pageLimit);
            Matcher m = CHANNEL_SERIAL.matcher(page.channelSerial());
            assertTrue(m.matches(), page.channelSerial());
            if (syncId == null) {
                syncId = m.group(1);
            }
            assertEquals(syncId, m.group(1), "one syncId for the whole sync");
            assertEquals(i == pages.size() - 1, m.group(2).isEmpty(), "only the last page has an empty cursor");
            for (PresenceMessage p : page.presence()) {
                assertEquals(PresenceAction.PRESENT, p.action());
                assertTrue(seen.add(p.connectionId() + ":" + p.clientId()), "duplicate " + p.clientId());
                assertEquals("data-" + p.clientId().substring(1), p.data());
            }
        }
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 1_234; i++) {
            expected.add(server.id() + ":u" + i);
        }
        assertEquals(expected, seen);
    }

    @Test
    void pagesAreAlsoBoundedByBytes() {
        String big = "x".repeat(30_000);
        for (int i = 0; i < 5; i++) {
            server.presence("room", item(PresenceAction.ENTER, "big" + i, big));
        }
        List<ProtocolMessage> frames = h.key("app.all", "late").attach("room");
        assertTrue(frames.size() - 1 >= 3, "5 x 30 KB members in pages of ~64 KiB: " + (frames.size() - 1) + " page(s)");
        assertEquals(5, frames.stream().skip(1).mapToInt(f -> f.presence().size()).sum());
    }

    @Test
    void clientSyncRequestGetsTheFullSetUnderANewSyncId() {
        enterMany(300);
        Client late = h.key("app.all", "late");
        List<ProtocolMessage> first = late.attach("room");
        List<ProtocolMessage> again = late.requestSync("room");
        assertTrue(again.stream().allMatch(f -> f.action() == Action.SYNC));
        assertEquals(300, again.stream().mapToInt(f -> f.presence().size()).sum());
        assertTrue(again.get(again.size() - 1).channelSerial().endsWith(":"));
        assertNotEquals(first.get(1).channelSerial().split(":")[0], again.get(0).channelSerial().split(":")[0]);
    }

    @Test
    void clientSyncRequestOnAnEmptySetGetsOneEmptyLastPage() {
        List<ProtocolMessage> frames = server.requestSync("room");
        assertEquals(1, frames.size());
        assertTrue(frames.get(0).presence().isEmpty());
        assertTrue(CHANNEL_SERIAL.matcher(frames.get(0).channelSerial()).matches());
        assertTrue(frames.get(0).channelSerial().endsWith(":"));
    }

    @Test
    void syncRequestForAChannelNotAttachedIsIgnored() {
        assertTrue(server.requestSync("elsewhere").isEmpty());
    }

    @Test
    void withoutPresenceSubscribeTheSetIsNotSent() {
        server.presence("room", item(PresenceAction.ENTER, "bob", null));
        List<ProtocolMessage> frames = h.key("app.all", "pub").attach("room", Flags.MODE_PUBLISH);
        assertEquals(1, frames.size());
        assertFalse(Flags.has(frames.get(0).flagsOrZero(), Flags.HAS_PRESENCE));
    }

    @Test
    void eventsAfterTheSnapshotFollowTheLastPage() {
        enterMany(600);
        Client late = h.key("app.all", "late");
        late.attach("room");
        server.presence("room", item(PresenceAction.LEAVE, "u1", null));
        List<ProtocolMessage> sent = late.transport.frames();
        int lastPage = -1;
        int leave = -1;
        for (int i = 0; i < sent.size(); i++) {
            if (sent.get(i).action() == Action.SYNC && sent.get(i).channelSerial().endsWith(":")) {
                lastPage = i;
            }
            if (sent.get(i).action() == Action.PRESENCE) {
                leave = i;
            }
        }
        assertTrue(lastPage > 0 && leave > lastPage, "LEAVE at " + leave + ", last page at " + lastPage);
    }
}
