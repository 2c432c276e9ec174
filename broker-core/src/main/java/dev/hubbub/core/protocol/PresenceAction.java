package dev.hubbub.core.protocol;

/** Presence actions with their wire numbers. */
public enum PresenceAction {
    ABSENT(0), PRESENT(1), ENTER(2), LEAVE(3), UPDATE(4);

    private static final PresenceAction[] BY_WIRE = values();
    private final int wire;

    PresenceAction(int wire) { this.wire = wire; }

    public int wire() { return wire; }

    public static PresenceAction fromWire(int wire) {
        return wire >= 0 && wire < BY_WIRE.length ? BY_WIRE[wire] : null;
    }
}
