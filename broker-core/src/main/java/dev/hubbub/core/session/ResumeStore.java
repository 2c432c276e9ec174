package dev.hubbub.core.session;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.protocol.Outcome;
import java.util.Collection;

/**
 * Where other nodes find this node's connections, so a client whose node died or was drained can
 * resume (or recover) on any node. The {@link ConnectionRegistry} writes through to it and asks
 * it for a connection key it does not know itself; with no store (a single node) nothing changes.
 *
 * <p>A store holds, per connection key, only what {@link Entry} says: never the key itself (a
 * secret: name the entry by a hash of it). A resume from the store takes no channels (the client
 * attaches again with its channelSerials, and the shared log replays what it missed) and no
 * msgSerial ledger (a resent MESSAGE is answered once cluster-wide by the bus).
 *
 * <p>Threading: {@link #opened}, {@link #parked} and {@link #closed} are called on sessions'
 * threads and must not wait for anything (write behind, best effort); {@link #take} is the one
 * call that may block, bounded.
 */
public interface ResumeStore {
    /** What a node resuming a connection it does not hold learns of it. */
    record Entry(String connectionId, String appId, ClientIdentity identity) {}

    /** This node's side, handed to the store once (by the registry's constructor: the store calls it later, never during). */
    interface Local {
        /** The connection keys of the sessions live on this node now: their entries must live as long as this node does. */
        Collection<String> liveKeys();

        /** Another node has taken connection {@code connectionId} over: whatever this node holds of it ends. */
        void takenElsewhere(String connectionId);
    }

    /** Called once, before any other call. */
    void attach(Local local);

    /** A session went live under {@code connectionKey}: resumable elsewhere from now on, for as long as it lives and connectionStateTtl after. */
    void opened(String connectionKey, Entry entry);

    /** A session lost its transport: resumable for connectionStateTtl from now. */
    void parked(String connectionKey);

    /** A session ended for good, or was resumed on this node: the key is spent. */
    void closed(String connectionKey);

    /**
     * Takes the connection {@code connectionKey} names, atomically across the cluster (one taker
     * wins), for a client of {@code appId} with {@code identity}: the same rules as a local resume.
     * On success the node that held it is told to let go ({@link Local#takenElsewhere} there).
     * Blocks at most the store's timeout.
     *
     * @return the entry; or the error for the new connection's CONNECTED: 80008 when no connection
     *         has that key (or the store cannot be asked: then continuity is lost, never guessed),
     *         80011 when the credentials are not the connection's (the entry stays)
     */
    Outcome<Entry> take(String connectionKey, String appId, ClientIdentity identity);
}
