package dev.hubbub.core.presence;

import static dev.hubbub.core.presence.PresenceHarness.item;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.presence.PresenceHarness.Client;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.PresenceAction;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many connections entering and leaving one channel at once, while SYNCs are taken. */
class PresenceConcurrencyTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = 500;

    @Test
    void concurrentEntersLeavesAndSyncsStayConsistent() throws Exception {
        PresenceHarness h = new PresenceHarness();
        Client observer = h.key("app.all", "olivia");
        observer.attach("room");
        Principal wildcard = new Principal(PresenceHarness.APP, "app.all", Principal.CredentialKind.BASIC,
                ClientIdentity.WILDCARD, Capability.ALL, Long.MAX_VALUE);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                String conn = "conn" + t;
                writers.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < PER_THREAD; i++) {
                        var r = h.presence().handle("t", conn, wildcard, frame(i, item(PresenceAction.ENTER, "u" + i, null)),
                                Flags.DEFAULT_MODES).toCompletableFuture().join();
                        if (!r.isOk()) {
                            problems.add(r.error().message());
                        }
                        if (i % 2 == 1) {
                            h.presence().handle("t", conn, wildcard, frame(i, item(PresenceAction.LEAVE, "u" + i, null)),
                                    Flags.DEFAULT_MODES);
                        }
                    }
                    return null;
                }));
            }
            Future<?> syncs = pool.submit(() -> {
                go.await();
                for (int n = 0; n < 50; n++) {
                    List<ProtocolMessage> pages = new ArrayList<>();
                    h.presence().sync(PresenceHarness.key("room"), "room", Flags.DEFAULT_MODES, pages::add);
                    Set<String> keys = new HashSet<>();
                    for (ProtocolMessage p : pages) {
                        for (PresenceMessage m : p.presence()) {
                            if (!keys.add(m.connectionId() + ":" + m.clientId())) {
                                problems.add("duplicate in one sync: " + m.clientId());
                            }
                        }
                    }
                    if (!pages.get(pages.size() - 1).channelSerial().endsWith(":")) {
                        problems.add("sync did not end");
                    }
                }
                return null;
            });
            go.countDown();
            for (Future<?> w : writers) {
                w.get(60, TimeUnit.SECONDS);
            }
            syncs.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(THREADS * PER_THREAD / 2, h.presence().memberCount(PresenceHarness.key("room")));
        List<PresenceMessage> events = observer.events("room");
        assertEquals(THREADS * PER_THREAD * 3 / 2, events.size(), "every enter and leave was told once");
    }

    private static ProtocolMessage frame(long msgSerial, PresenceMessage item) {
        return new ProtocolMessage(Action.PRESENCE, null, "room", null, null, null, null, null, null, msgSerial, null,
                List.of(item), null, null, null, null);
    }
}
