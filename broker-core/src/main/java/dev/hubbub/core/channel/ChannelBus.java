package dev.hubbub.core.channel;

import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PublishResult;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where an admitted publish goes: it puts the messages in the channel's one order (each gets its
 * serial from the channel's log), drops those it has seen before, and delivers them to the
 * channel's subscribers wherever they are connected. The embedded default, {@link LocalBus},
 * does this on the publisher's thread on one node; a cluster does it through shared storage,
 * and every node, the publisher's own included, delivers from the same ordered source.
 */
public interface ChannelBus {
    /**
     * One admitted publish, its messages already stamped.
     *
     * @param publisherId the publishing connection, or null for REST
     * @param idBase      what the stamped ids start with ({@code connectionId:msgSerial} or a REST base):
     *                    a resend of the same realtime publish has the same base
     * @param clientIds   the ids among them that the client chose (only those are checked against the
     *                    de-duplication window; ids the broker made are unique already)
     */
    record Publication(ChannelKey key, String publisherId, String idBase, long timestamp, List<Message> messages,
                       Set<String> clientIds) {}

    /**
     * Orders and delivers one publish. {@code done} runs exactly once, on any thread: with one
     * serial per message (null for a dropped duplicate) once the messages are in the channel's
     * order, or with an error (5xxxx when the bus could not confirm them; nothing is then
     * acknowledged, though a message the bus did take may still be delivered).
     */
    void publish(Publication publication, Consumer<Outcome<PublishResult>> done);

    /**
     * A connection on this node is about to attach to the channel: {@code live} runs (on any
     * thread) once everything published to the channel from then on reaches this node's
     * subscribers, or {@code failed} when that cannot be set up now.
     */
    void open(ChannelKey key, Runnable live, Consumer<ErrorInfo> failed);

    /** Whether the bus can take publishes now (readiness). */
    default boolean healthy() { return true; }
}
