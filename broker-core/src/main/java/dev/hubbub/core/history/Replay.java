package dev.hubbub.core.history;

import dev.hubbub.core.protocol.Message;
import java.util.List;

/**
 * What a channel's log can give a client that was at some serial: every message after it, in
 * order, when the log still has them all ({@code continuous}); otherwise nothing, and the client
 * must be told continuity was lost.
 */
public record Replay(boolean continuous, List<Message> messages) {
    public static final Replay LOST = new Replay(false, List.of());

    public Replay {
        messages = List.copyOf(messages);
    }
}
