package dev.hubbub.core.presence;

import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * The node's presence sets, one per channel with members (or a per-person view still to tell):
 * each is used under its own lock ({@link #locked}) and retired once empty, and the members of
 * every set are tallied per connection. Also the per-person view of a change, which depends on
 * whether the channel has a subscription asking for it. Thread-safe.
 */
final class PresenceSets {
    private final ChannelRouter router;
    private final ConcurrentMap<ChannelKey, PresenceSet> sets = new ConcurrentHashMap<>();
    /** Members per connection, over every set. */
    private final MemberTally tally = new MemberTally();

    PresenceSets(ChannelRouter router) { this.router = router; }

    MemberTally tally() { return tally; }

    /** Channels with a set. */
    int count() { return sets.size(); }

    /**
     * What a frame of the per-connection view, already applied to the set, is to by-clientId
     * subscriptions (set lock held): a frame at the same place in the channel's order, or null
     * when their view did not change.
     */
    ProtocolMessage byClient(PresenceSet set, ChannelKey key, ProtocolMessage frame) {
        PersonView persons = set.persons();
        if (persons == null) { // nobody sees this channel per person
            return null;
        }
        Channel channel = router.find(key);
        if (channel == null || !channel.hasPersonSubscriptions()) {
            // the last such subscription left: the view goes (a new one starts it again from the set, at its SYNC)
            set.dropPersons();
            return null;
        }
        List<PresenceMessage> events = persons.follow(set, frame.presence());
        return events.isEmpty() ? null : ProtocolMessage.presence(Action.PRESENCE, frame.channel(), null, null,
                frame.timestamp(), frame.channelSerial(), events);
    }

    /** A channel's new, empty set: with its per-person view when a subscription there sees presence so. */
    private PresenceSet newSet(ChannelKey key) {
        PresenceSet set = new PresenceSet(tally);
        Channel channel = router.find(key);
        if (channel != null && channel.hasPersonSubscriptions()) {
            set.followPersons();
        }
        return set;
    }

    /**
     * Runs {@code fn} on the channel's live set under its lock (creating the set if asked), then
     * retires the set if it is empty. Returns null when there is no set and none was to be made.
     */
    <R> R locked(ChannelKey key, boolean create, Function<PresenceSet, R> fn) {
        for (;;) {
            PresenceSet set = create ? sets.computeIfAbsent(key, this::newSet) : sets.get(key);
            if (set == null) {
                return null;
            }
            set.lock.lock();
            try {
                if (set.retired) {
                    continue; // emptied and dropped meanwhile: look again
                }
                R result = fn.apply(set);
                if (set.isRetirable()) {
                    set.retired = true;
                    sets.remove(key, set);
                }
                return result;
            } finally {
                set.lock.unlock();
            }
        }
    }
}
