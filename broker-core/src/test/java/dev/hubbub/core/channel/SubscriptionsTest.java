package dev.hubbub.core.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.hubbub.core.channel.Channel.Subscription;
import dev.hubbub.testkit.TestSubscriber;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Subscriptions against a plain model: every snapshot holds exactly what was attached and not
 * detached, a snapshot never changes once made (fan-out reads old ones without a lock), and the
 * representation changes (flat array, trie, deeper trie, back) lose nothing.
 */
class SubscriptionsTest {
    private static Subscriber subscriber(int i) { return new TestSubscriber("c" + i, true, null); }

    private static List<Subscription> contents(Subscriptions s) {
        List<Subscription> out = new ArrayList<>();
        s.forEach(out::add);
        assertEquals(s.size(), out.size(), "size and iteration agree");
        return out;
    }

    private static void assertHolds(Map<Subscriber, Subscription> model, Subscriptions s) {
        List<Subscription> got = contents(s);
        assertEquals(model.size(), got.size());
        Set<Subscription> distinct = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        distinct.addAll(got);
        assertEquals(model.size(), distinct.size(), "no subscription twice");
        for (Subscription sub : got) {
            assertSame(model.get(sub.subscriber()), sub, "only what the model holds");
        }
        for (Map.Entry<Subscriber, Subscription> e : model.entrySet()) {
            assertSame(e.getValue(), s.find(e.getKey()));
        }
    }

    // Rule: thousands of attaches then detaches in every order keep exactly the attached ones, across
    // the flat and trie shapes (FLAT_MAX and half of it, and 32^2 = 1,024 / 32^3 = 32,768 in a trie, are boundaries).
    @Test
    void randomAttachesReplacementsAndDetachesMatchTheModel() {
        Random random = new Random(42);
        List<Subscriber> pool = new ArrayList<>();
        for (int i = 0; i < 3 * Subscriptions.FLAT_MAX; i++) {
            pool.add(subscriber(i));
        }
        Map<Subscriber, Subscription> model = new IdentityHashMap<>();
        Subscriptions s = Subscriptions.NONE;
        for (int step = 0; step < 40_000; step++) {
            Subscriber who = pool.get(random.nextInt(pool.size()));
            // grow for a while, then shrink, then grow again: every shape is crossed both ways
            boolean attach = (step / 10_000) % 2 == 0 ? random.nextInt(10) < 8 : random.nextInt(10) < 2;
            if (attach) {
                Subscription added = new Subscription(who, random.nextInt(8), PresenceView.BY_CONNECTION);
                s = s.with(added);
                model.put(who, added);
            } else {
                s = s.without(who);
                model.remove(who);
            }
            if (step % 997 == 0) {
                assertHolds(model, s);
            }
        }
        assertHolds(model, s);
    }

    // Rule: a snapshot is immutable: what fan-out is iterating stays as it was while attaches and detaches go on.
    @Test
    void anOldSnapshotKeepsItsSubscriptions() {
        Subscriptions s = Subscriptions.NONE;
        List<Subscriber> subs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            subs.add(subscriber(i));
            s = s.with(new Subscription(subs.get(i), 1, PresenceView.BY_CONNECTION));
        }
        Subscriptions old = s;
        List<Subscription> before = contents(old);
        for (int i = 0; i < 1500; i += 2) {
            s = s.without(subs.get(i));
            s = s.with(new Subscription(subscriber(10_000 + i), 3, PresenceView.BY_CONNECTION));
        }
        s = s.with(new Subscription(subs.get(1), 7, PresenceView.BY_CONNECTION)); // a replacement
        assertEquals(before, contents(old), "the old snapshot is unchanged");
        assertEquals(2000, s.size());
        assertEquals(7, s.find(subs.get(1)).modes());
    }

    @Test
    void detachingTheLastOneLeavesNoneAndUnknownSubscribersAreIgnored() {
        Subscriber a = subscriber(1);
        Subscriptions s = Subscriptions.NONE.with(new Subscription(a, 1, PresenceView.BY_CONNECTION));
        assertSame(s, s.without(subscriber(2)), "not attached: the same snapshot");
        assertSame(Subscriptions.NONE, s.without(a));
        assertNull(Subscriptions.NONE.find(a));
    }

    // Rule: a set that grew past 32,768 (a trie of four levels) shrinks back to one small array.
    @Test
    void aShrunkenSetIsFlatAgain() {
        Subscriptions s = Subscriptions.NONE;
        List<Subscriber> subs = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            subs.add(subscriber(i));
            s = s.with(new Subscription(subs.get(i), 1, PresenceView.BY_CONNECTION));
        }
        assertEquals("trie of 4 levels", s.shape());
        Set<Subscriber> kept = new HashSet<>(subs.subList(0, 10));
        for (Subscriber sub : subs) {
            if (!kept.contains(sub)) {
                s = s.without(sub);
            }
        }
        assertEquals(10, s.size());
        assertEquals(kept, new HashSet<>(contents(s).stream().map(Subscription::subscriber).toList()));
        assertEquals("flat", s.shape());
    }
}
