package dev.hubbub.core.channel;

import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.outbound.FanOutPort;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * One channel of one app: its attached subscribers. Fan-out reads an immutable snapshot of them
 * without a lock; attach and detach make the next one ({@link Subscriptions}: whole-array copies
 * for a few subscribers, path copies in a trie for many, so the N-th attach costs O(log N)). Writes are serialised per channel by the router's
 * order lock, so every subscriber sees one order and the publisher's own order is kept; the
 * channel's serials come from the message log. Frames leave through the {@link FanOutPort}, one
 * fan-out per frame, dispatched under the order lock.
 *
 * <p>Threading: any thread may publish; attach/detach run under the router's map lock for this key.
 */
public final class Channel {
    /** A subscriber, the modes it was granted at attach and how it sees presence. */
    public record Subscription(Subscriber subscriber, int modes, PresenceView view) {}

    private final ChannelKey key;
    private volatile Subscriptions subscriptions = Subscriptions.NONE;
    /** The subset holding PRESENCE_SUBSCRIBE, so a presence event costs its audience, not every attachment. */
    private volatile Subscriptions presenceSubscriptions = Subscriptions.NONE;
    /** Every subscription by connection id, to find a presence event's owner without a scan. */
    private final Map<String, Subscription> byConnection = new ConcurrentHashMap<>();
    /** Subscriptions of {@link PresenceView#BY_CLIENT}; written under this channel's monitor. */
    private volatile int personSubscriptions;
    private final FanOutPort port;
    /** This channel's history, for the bus's appends: made at the first, under the order lock. */
    private MessageLog.Appender history;
    /** Shared by every channel of the router: frames handed to subscribers, for the metrics. */
    private final LongAdder deliveries;

    Channel(ChannelKey key, FanOutPort port, LongAdder deliveries) {
        this.key = key;
        this.port = port;
        this.deliveries = deliveries;
    }

    public ChannelKey key() { return key; }

    public String name() { return key.name(); }

    public int subscriberCount() { return subscriptions.size(); }

    /**
     * The appender of this channel's log in {@code log}, made at the first call: a publish then
     * appends without finding the log by key. The caller holds the channel's order lock, and passes
     * the same log each time.
     */
    public MessageLog.Appender history(MessageLog log) {
        MessageLog.Appender a = history;
        if (a == null) {
            a = log.appender(key);
            history = a;
        }
        return a;
    }

    /**
     * Whether a subscription here sees presence per clientId ({@link PresenceView#BY_CLIENT}): the
     * channel's presence keeps that view only while it may have an audience.
     */
    public boolean hasPersonSubscriptions() { return personSubscriptions > 0; }

    /** Adds or replaces (re-attach) a subscriber's subscription. */
    synchronized void attach(Subscriber subscriber, int modes, PresenceView view) {
        Subscription added = new Subscription(subscriber, modes, view);
        Subscription previous = subscriptions.find(subscriber);
        personSubscriptions += (view == PresenceView.BY_CLIENT ? 1 : 0)
                - (previous != null && previous.view() == PresenceView.BY_CLIENT ? 1 : 0);
        subscriptions = subscriptions.with(added);
        presenceSubscriptions = (modes & Flags.MODE_PRESENCE_SUBSCRIBE) != 0 ? presenceSubscriptions.with(added)
                : presenceSubscriptions.without(subscriber);
        // a presence event's owner is found by connection: its plain subscription, when it has one, over a qualified one
        Subscription current = byConnection.get(subscriber.connectionId());
        if (subscriber.alias() == null || current == null || current.subscriber().alias() != null
                || current.subscriber() == subscriber) {
            byConnection.put(subscriber.connectionId(), added);
        }
    }

    /** @return true when the subscriber was attached. */
    synchronized boolean detach(Subscriber subscriber) {
        Subscription detached = subscriptions.find(subscriber);
        if (detached == null) {
            return false;
        }
        subscriptions = subscriptions.without(subscriber);
        presenceSubscriptions = presenceSubscriptions.without(subscriber);
        byConnection.remove(subscriber.connectionId(), detached);
        if (detached.view() == PresenceView.BY_CLIENT) {
            personSubscriptions--;
        }
        return true;
    }

    boolean isIdle() { return subscriptions.size() == 0; }

    /**
     * Delivers a MESSAGE frame to every subscriber holding SUBSCRIBE, skipping the publisher when
     * it asked for no echo. The caller holds the channel's order lock.
     *
     * @param publisherId the publishing connection's id, or null for a REST publish
     */
    public void publish(ProtocolMessage frame, String publisherId) {
        fanOut(frame, publisherId, Flags.MODE_SUBSCRIBE);
    }

    /** Delivers one frame to every subscriber holding {@code requiredMode}, skipping a publisher that asked for no echo. */
    void fanOut(ProtocolMessage frame, String publisherId, int requiredMode) {
        Subscriptions targets = subscriptions;
        if (targets.size() == 0) {
            return;
        }
        Recipients out = new Recipients(frame);
        try {
            for (Subscription s : targets) {
                Subscriber sub = s.subscriber();
                if ((s.modes() & requiredMode) != 0
                        && (publisherId == null || sub.echoes() || !publisherId.equals(sub.connectionId()))) {
                    out.add(sub);
                }
            }
        } finally {
            out.dispatch();
        }
    }

    /**
     * Tells every subscriber that the channel's continuity broke (a cluster could not get back
     * messages it missed): an ATTACHED without RESUMED, at {@code serial}, with the error, which
     * the SDKs report as an UPDATE with that error. The caller holds the channel's order lock.
     */
    public void continuityLost(String serial, ErrorInfo error) {
        for (Subscription s : subscriptions) {
            Subscriber sub = s.subscriber();
            String name = sub.alias() != null ? sub.alias() : key.name();
            sub.outbound().send(ProtocolMessage.attached(name, s.modes(), serial, error));
        }
    }

    /** As {@link #fanOutPresence(ProtocolMessage, ProtocolMessage, String)}, the same frame for both views. */
    public void fanOutPresence(ProtocolMessage frame, String ownerId) {
        fanOutPresence(frame, frame, ownerId);
    }

    /**
     * Delivers a presence frame to every subscriber holding PRESENCE_SUBSCRIBE and always to
     * {@code ownerId}, the connection whose members it is about (RTP17a: a client lists its own
     * members only once it sees their events). Ignores echo=false. Costs the presence audience
     * plus one lookup, however many connections are attached without presence modes.
     *
     * @param byClient what the same change looks like to subscriptions of {@link PresenceView#BY_CLIENT},
     *                 or null when it changes nothing in their view (they get nothing)
     */
    public void fanOutPresence(ProtocolMessage frame, ProtocolMessage byClient, String ownerId) {
        Subscriptions audience = presenceSubscriptions;
        Subscription ownerSubscription = ownerId == null ? null : byConnection.get(ownerId);
        if (audience.size() == 0 && ownerSubscription == null) {
            return;
        }
        Subscriber owner = ownerSubscription == null ? null : ownerSubscription.subscriber();
        Recipients out = new Recipients(frame);
        Recipients persons = null; // begun for the first by-clientId recipient only
        try {
            // the owner once, whatever its modes: the audience and the map are read without the
            // lock, so a re-attach in between must not make it miss its own event or see it twice
            for (Subscription s : audience) {
                if (s.subscriber() != owner) {
                    persons = addTo(s, out, persons, byClient);
                }
            }
            if (ownerSubscription != null) {
                persons = addTo(ownerSubscription, out, persons, byClient);
            }
        } finally {
            out.dispatch();
            if (persons != null) {
                persons.dispatch();
            }
        }
    }

    /** Adds a recipient to the fan-out of its view; returns the by-clientId fan-out, begun if need be. */
    private Recipients addTo(Subscription s, Recipients byConnection, Recipients persons, ProtocolMessage byClient) {
        if (s.view() != PresenceView.BY_CLIENT) {
            byConnection.add(s.subscriber());
        } else if (byClient != null) {
            Recipients r = persons != null ? persons : new Recipients(byClient);
            r.add(s.subscriber());
            return r;
        }
        return persons;
    }

    /**
     * One frame's recipients: one fan-out for those that take the channel's own name, begun on
     * first use, and one per qualified name (rare) with the frame under that name.
     */
    private final class Recipients {
        private final ProtocolMessage frame;
        private FanOutPort.FanOut plain;
        private Map<String, FanOutPort.FanOut> aliased;
        private int count;

        Recipients(ProtocolMessage frame) { this.frame = frame; }

        void add(Subscriber s) {
            String alias = s.alias();
            FanOutPort.FanOut out;
            if (alias == null) {
                if (plain == null) {
                    plain = port.begin(frame);
                }
                out = plain;
            } else {
                if (aliased == null) {
                    aliased = new java.util.HashMap<>();
                }
                out = aliased.computeIfAbsent(alias, a -> port.begin(frame.withChannel(a)));
            }
            out.add(s.outbound());
            count++;
        }

        void dispatch() {
            if (plain == null && aliased == null) {
                port.begin(frame).dispatch(); // nobody: the port may still want to see the frame end
            }
            if (plain != null) {
                plain.dispatch();
            }
            if (aliased != null) {
                aliased.values().forEach(FanOutPort.FanOut::dispatch);
            }
            deliveries.add(count);
        }
    }
}
