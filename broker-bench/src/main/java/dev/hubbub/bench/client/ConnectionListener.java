package dev.hubbub.bench.client;

/**
 * Callbacks for what a connection receives after CONNECTED. All run on the connection's event
 * loop thread, so implementations must be cheap and thread-safe across connections.
 */
public interface ConnectionListener {
    ConnectionListener NONE = new ConnectionListener() { };

    /** CONNECTED arrived (also a later one, e.g. after in-band AUTH); before {@link Connection#connected()} completes. */
    default void onConnected(Connection c, InboundFrame f) { }

    default void onMessage(Connection c, InboundFrame f) { }

    default void onPresence(Connection c, InboundFrame f) { }

    default void onSync(Connection c, InboundFrame f) { }

    default void onAck(Connection c, long msgSerial, int count) { }

    default void onNack(Connection c, long msgSerial, int count, InboundFrame f) { }

    /** ERROR (connection or channel), DISCONNECTED or DETACHED carrying an error. */
    default void onError(Connection c, InboundFrame f) { }

    /** The socket closed; {@code requested} when the bench closed it. */
    default void onClosed(Connection c, boolean requested) { }
}
