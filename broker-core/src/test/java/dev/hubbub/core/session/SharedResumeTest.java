package dev.hubbub.core.session;

import static dev.hubbub.testkit.Frames.attach;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.testkit.ManualClock;
import dev.hubbub.testkit.TestClient;
import dev.hubbub.testkit.TestCore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The registry's side of resuming on another node, over an in-memory {@link ResumeStore} two cores
 * share: what it writes through, when it asks the store, and what it does when told another node
 * took a connection over. The Redis store is tested in broker-cluster.
 */
class SharedResumeTest {
    private static final String KEY = "app1.k:secret1";
    private static final String OTHER_APP = "app2.k:secret2";

    /** The cluster's store, in memory: entries by key, and every node's side to tell of a takeover. */
    static final class MapStore {
        final Map<String, ResumeStore.Entry> entries = new ConcurrentHashMap<>();
        final Map<String, ResumeStore.Local> nodes = new ConcurrentHashMap<>();
        final List<String> calls = new ArrayList<>();

        ResumeStore node(String id) {
            return new ResumeStore() {
                @Override
                public void attach(Local local) { nodes.put(id, local); }

                @Override
                public void opened(String connectionKey, Entry entry) {
                    calls.add(id + " opened");
                    entries.put(connectionKey, entry);
                }

                @Override
                public void parked(String connectionKey) { calls.add(id + " parked"); }

                @Override
                public void closed(String connectionKey) {
                    calls.add(id + " closed");
                    entries.remove(connectionKey);
                }

                @Override
                public Outcome<Entry> take(String connectionKey, String appId, ClientIdentity identity) {
                    calls.add(id + " take");
                    Entry e = entries.get(connectionKey);
                    if (e == null) {
                        return Outcome.fail(ErrorCode.CONNECTION_NOT_RECOVERED.info("unknown"));
                    }
                    if (!e.appId().equals(appId) || !e.identity().equals(identity)) {
                        return Outcome.fail(ErrorCode.CONNECTION_RESUME_REFUSED.info("not yours"));
                    }
                    if (!entries.remove(connectionKey, e)) {
                        return Outcome.fail(ErrorCode.CONNECTION_NOT_RECOVERED.info("taken"));
                    }
                    nodes.forEach((other, local) -> {
                        if (!other.equals(id)) {
                            local.takenElsewhere(e.connectionId());
                        }
                    });
                    return Outcome.ok(e);
                }
            };
        }

        Collection<String> liveKeys(String node) { return nodes.get(node).liveKeys(); }
    }

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final MapStore store = new MapStore();
    private final TestCore a = core("a"), b = core("b");

    private TestCore core(String id) {
        return TestCore.builder()
                .key(new ApiKey("app1.k", "secret1", Capability.ALL))
                .key(new ApiKey("app2.k", "secret2", Capability.ALL))
                .clock(clock).resumeStore(store.node(id)).build();
    }

    @Test
    void aConnectionParkedOnOneNodeResumesOnAnotherOnceWithItsIdAndNoError() {
        TestClient alice = a.connect(KEY, "alice", null, null);
        assertEquals(List.of(alice.key()), List.copyOf(store.liveKeys("a")));
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        assertTrue(store.liveKeys("a").isEmpty(), "parked is not live");
        TestClient back = b.connect(KEY, "alice", alice.key(), null);
        assertEquals(alice.id(), back.id());
        assertNull(back.connected().error());
        assertEquals(List.of("a opened", "a parked", "b take", "b opened"), store.calls);
        assertEquals(0, a.connections.size(), "the node that held it forgot its parked state");
        TestClient again = b.connect(KEY, "alice", alice.key(), null);
        assertNotEquals(alice.id(), again.id());
        assertEquals(ErrorCode.CONNECTION_NOT_RECOVERED.code(), again.connected().error().code());
        TestClient onA = a.connect(KEY, "alice", alice.key(), null);
        assertEquals(ErrorCode.CONNECTION_NOT_RECOVERED.code(), onA.connected().error().code(), "nor on the first node");
    }

    @Test
    void aKeyThisNodeHoldsIsDecidedHereAndSpentInTheStore() {
        TestClient alice = a.connect(KEY, "alice", null, null);
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        TestClient back = a.connect(KEY, "alice", alice.key(), null);
        assertEquals(alice.id(), back.id());
        assertEquals(List.of("a opened", "a parked", "a closed", "a opened"), store.calls, "no take: decided here");
        TestClient elsewhere = b.connect(KEY, "alice", alice.key(), null);
        assertEquals(ErrorCode.CONNECTION_NOT_RECOVERED.code(), elsewhere.connected().error().code());
    }

    @Test
    void anotherAppOrClientIdIsRefusedAndTheConnectionStaysResumable() {
        TestClient alice = a.connect(KEY, "alice", null, null);
        alice.session().end(DisconnectReason.TRANSPORT_LOST, null);
        TestClient mallory = b.connect(KEY, "mallory", alice.key(), null);
        assertEquals(ErrorCode.CONNECTION_RESUME_REFUSED.code(), mallory.connected().error().code());
        TestClient otherApp = b.connect(OTHER_APP, "alice", alice.key(), null);
        assertEquals(ErrorCode.CONNECTION_RESUME_REFUSED.code(), otherApp.connected().error().code());
        TestClient anonymous = b.connect(KEY, null, alice.key(), null);
        assertEquals(ErrorCode.CONNECTION_RESUME_REFUSED.code(), anonymous.connected().error().code());
        assertEquals(alice.id(), b.connect(KEY, "alice", alice.key(), null).id());
    }

    @Test
    void aSessionStillLiveOnTheNodeThatHeldItEndsAsSupersededWhenAnotherNodeTakesIt() {
        TestClient alice = a.connect(KEY, "alice", null, null);
        alice.send(attach("room", null));
        TestClient back = b.connect(KEY, "alice", alice.key(), null); // its network vanished without a FIN
        assertEquals(alice.id(), back.id());
        alice.out().runScheduled();
        assertTrue(alice.session().isClosed());
        assertFalse(back.session().isClosed());
        assertEquals(0, a.connections.size());
        assertTrue(store.calls.stream().noneMatch("a parked"::equals), "superseded: not parked again");
    }

    @Test
    void aClosedConnectionIsForgottenEverywhere() {
        TestClient alice = a.connect(KEY, "alice", null, null);
        alice.send(ProtocolMessage.of(dev.hubbub.core.protocol.Action.CLOSE));
        assertTrue(store.entries.isEmpty());
        TestClient back = b.connect(KEY, "alice", alice.key(), null);
        assertEquals(ErrorCode.CONNECTION_NOT_RECOVERED.code(), back.connected().error().code());
    }
}
