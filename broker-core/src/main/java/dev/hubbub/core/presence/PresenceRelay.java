package dev.hubbub.core.presence;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.PresenceMessage;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.List;
import java.util.concurrent.CompletionStage;
import dev.hubbub.core.protocol.ErrorInfo;

/**
 * Where the presence events a node makes go: into the channel's order, to every subscriber
 * wherever it is connected. On one node that is the channel's next position and a local fan-out
 * ({@link PresenceService} does it itself); a cluster stores the members it changes and delivers
 * the frame from the same ordered source as messages, calling {@link PresenceService#replicated}
 * on every node.
 */
public interface PresenceRelay {
    /**
     * @param frame   the PRESENCE frame (events of one connection's members)
     * @param owner   the connection whose members they are (it always sees its own events)
     * @param present for each event, the member as it stands afterwards (PRESENT), or null where it left
     * @return completes (on any thread) with null once the change is stored, or the error why not
     */
    CompletionStage<ErrorInfo> relay(ChannelKey key, ProtocolMessage frame, String owner, List<PresenceMessage> present);
}
