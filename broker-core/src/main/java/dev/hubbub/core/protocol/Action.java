package dev.hubbub.core.protocol;

/** ProtocolMessage actions with their wire numbers. Never send anything above 21 (ably-java indexes an array). */
public enum Action {
    HEARTBEAT(0), ACK(1), NACK(2), CONNECT(3), CONNECTED(4), DISCONNECT(5), DISCONNECTED(6),
    CLOSE(7), CLOSED(8), ERROR(9), ATTACH(10), ATTACHED(11), DETACH(12), DETACHED(13),
    PRESENCE(14), MESSAGE(15), SYNC(16), AUTH(17), ACTIVATE(18), OBJECT(19), OBJECT_SYNC(20),
    ANNOTATION(21);

    private static final Action[] BY_WIRE = values();

    private final int wire;

    Action(int wire) { this.wire = wire; }

    public int wire() { return wire; }

    /** @return the action for a wire number, or null when the number is unknown. */
    public static Action fromWire(int wire) {
        return wire >= 0 && wire < BY_WIRE.length ? BY_WIRE[wire] : null;
    }
}
