package dev.hubbub.core.channel;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import java.util.Map;

/**
 * How one subscription sees a channel's presence, chosen with the {@code presenceBy} channel param
 * at attach: one member per connection and clientId (Ably's view, the default), or one member per
 * clientId, whatever the number of connections it is present from.
 */
public enum PresenceView {
    /** Every (connectionId, clientId) pair is a member: what Ably sends. */
    BY_CONNECTION("connectionId"),
    /** Every clientId is one member, under a stable stand-in connectionId; see {@code PersonView}. */
    BY_CLIENT("clientId");

    /** The channel param that chooses the view. */
    public static final String PARAM = "presenceBy";

    private final String wire;

    PresenceView(String wire) { this.wire = wire; }

    /** The param's value for this view. */
    public String wire() { return wire; }

    /** The view the params ask for: null when they do not name one, 40003 when the value is not one we know. */
    public static Outcome<PresenceView> fromParams(Map<String, String> params) {
        String value = params == null ? null : params.get(PARAM);
        if (value == null) {
            return null;
        }
        for (PresenceView v : values()) {
            if (v.wire.equals(value)) {
                return Outcome.ok(v);
            }
        }
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        return Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid " + PARAM + " value '" + shown
                + "': give 'clientId' (one member per clientId) or 'connectionId' (one per connection, the default)");
    }
}
