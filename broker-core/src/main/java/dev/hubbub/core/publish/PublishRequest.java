package dev.hubbub.core.publish;

import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.protocol.Message;
import java.util.List;
import java.util.Objects;

/**
 * One publish as it arrives, before any check: who sends it, to which channel of their app, the
 * messages as the client wrote them, and the wire it came in on.
 *
 * @param who log correlation key, e.g. {@code conn=abc} or {@code rest key=app.key}
 */
public record PublishRequest(String who, Principal principal, String channel, List<Message> messages, Origin origin) {
    public PublishRequest {
        Objects.requireNonNull(who);
        Objects.requireNonNull(principal);
        Objects.requireNonNull(origin);
    }

    /** Where a publish came from; decides its message ids and which checks apply. */
    public sealed interface Origin permits Realtime, Rest {}

    /**
     * A MESSAGE frame on a realtime connection.
     *
     * @param attachedModes the modes the connection holds on the channel, or null when it is not attached
     *                      (Ably lets a connection publish to a channel it has not attached)
     */
    public record Realtime(String connectionId, long msgSerial, Integer attachedModes) implements Origin {
        public Realtime {
            Objects.requireNonNull(connectionId);
        }
    }

    /** A REST {@code POST /channels/{name}/messages}. */
    public record Rest() implements Origin {}

    public static final Rest REST = new Rest();

    /** A MESSAGE frame on a realtime connection. */
    public static Realtime realtime(String connectionId, long msgSerial, Integer attachedModes) {
        return new Realtime(connectionId, msgSerial, attachedModes);
    }
}
