package dev.hubbub.core.publish;

import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.channel.ChannelRouter;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.identity.IdentityGate;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.ConnectionIds;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one way a message enters a channel, realtime and REST alike. Every publish rule lives here
 * or in what this calls, in this order: channel name, messages present, the {@code publish}
 * capability, the PUBLISH mode (realtime, when attached), the identity gate, what a message may
 * carry (action, id, size), then the count, the de-duplication by id, the channel's log and the
 * delivery. A rejected publish changes nothing and delivers nothing. Thread-safe; called on the
 * publisher's thread.
 */
public final class Publishing {
    /** Ids the broker gives messages: {@code connectionId:msgSerial:index}. */
    private static final Pattern CONNECTION_STYLE_ID = Pattern.compile("[^:]+:\\d+:\\d+");

    private final Admission admission;
    private final IdentityGate gate;
    private final ChannelRouter router;
    private final MessageLog log;
    private final Clock clock;
    private final BrokerMetrics metrics;

    public Publishing(Admission admission, IdentityGate gate, ChannelRouter router, MessageLog log, Clock clock,
                      BrokerMetrics metrics) {
        this.admission = Objects.requireNonNull(admission);
        this.gate = Objects.requireNonNull(gate);
        this.router = Objects.requireNonNull(router);
        this.log = Objects.requireNonNull(log);
        this.clock = Objects.requireNonNull(clock);
        this.metrics = Objects.requireNonNull(metrics);
    }

    /** Checks and delivers one publish; the serials of its messages, or why it was refused. */
    public Outcome<PublishResult> publish(PublishRequest request) {
        String name = request.channel();
        ErrorInfo refused = admission.channel(name);
        if (refused != null) {
            return Outcome.fail(refused);
        }
        List<Message> messages = request.messages();
        if (messages == null || messages.isEmpty()) {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "No messages to publish");
        }
        Principal principal = request.principal();
        name = ChannelNames.baseName(name); // a subscription's qualifier says nothing about publishing
        refused = admission.capability(principal, name, Operation.PUBLISH, "publish to");
        if (refused == null && request.origin() instanceof PublishRequest.Realtime rt && rt.attachedModes() != null) {
            refused = admission.mode(rt.attachedModes(), Flags.MODE_PUBLISH, name, "publish", "PUBLISH");
        }
        if (refused != null) {
            return Outcome.fail(refused);
        }
        Outcome<List<Message>> admitted = gate.admitMessages(request.who(), principal.identity(), messages);
        if (!admitted.isOk()) {
            return Outcome.fail(admitted.error());
        }
        String publisherId = request.origin() instanceof PublishRequest.Realtime rt ? rt.connectionId() : null;
        refused = checkContent(admitted.value(), publisherId); // after the gate: an implied clientId counts too
        if (refused != null) {
            return Outcome.fail(refused);
        }
        metrics.messagesIn(messages.size());
        String idBase = publisherId != null
                ? publisherId + ':' + ((PublishRequest.Realtime) request.origin()).msgSerial()
                : "rest-" + ConnectionIds.random(10);
        return Outcome.ok(deliver(new ChannelKey(principal.appId(), name), publisherId, idBase, admitted.value()));
    }

    /**
     * What a publish may carry besides its identity: only message creation (action 0; updates and
     * deletes would need their own capabilities), no id that claims to come from another
     * connection ({@code otherConnection:serial:index}), and the size limit over all messages.
     *
     * @param publisherId the publishing connection's id, or null for REST
     */
    private ErrorInfo checkContent(List<Message> messages, String publisherId) {
        long total = 0;
        for (Message m : messages) {
            total += m.size();
            if (m.action() != null && m.action() != 0) {
                return ErrorCode.BAD_REQUEST.info("Unsupported message action " + m.action() + ": only 0 (create) may be published");
            }
            String id = m.id();
            if (id != null && CONNECTION_STYLE_ID.matcher(id).matches()
                    && !(publisherId != null && id.startsWith(publisherId + ':'))) {
                return ErrorCode.BAD_REQUEST.info("Invalid message id '" + id + "': ids of the form connectionId:serial:index"
                        + " are assigned by the broker to the publishing connection");
            }
        }
        return admission.size(total);
    }

    /**
     * Stamps admitted messages (id, connectionId, timestamp), drops those whose id the channel has
     * seen within the de-duplication window (a retried publish; a resent MESSAGE after a resume has
     * the same ids), appends the rest to the channel's log, which gives each its serial, and hands
     * them to the channel's subscribers, all under the channel's order lock.
     *
     * @return one serial per message, null for a dropped duplicate
     */
    private PublishResult deliver(ChannelKey key, String publisherId, String idBase, List<Message> messages) {
        long now = clock.millis();
        List<Message> stamped = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            stamped.add(messages.get(i).stamped(idBase + ':' + i, publisherId, now, null));
        }
        List<String> serials = new ArrayList<>(messages.size());
        synchronized (router.orderLock(key)) {
            List<Message> fresh = new ArrayList<>(stamped.size());
            Set<String> batch = new HashSet<>();
            for (int i = 0; i < stamped.size(); i++) {
                Message m = stamped.get(i);
                // only the client's own ids (RSL1k); a realtime resend is answered by the session's ledger before this
                boolean clientId = messages.get(i).id() != null;
                if (!batch.add(m.id()) || (clientId && log.isDuplicate(key, m.id()))) {
                    serials.add(null);
                } else {
                    serials.add("");
                    fresh.add(m);
                }
            }
            if (fresh.isEmpty()) {
                return new PublishResult(serials);
            }
            Set<String> remember = new HashSet<>();
            for (Message m : messages) {
                if (m.id() != null) {
                    remember.add(m.id());
                }
            }
            List<Message> stored = log.append(key, fresh, remember);
            for (int i = 0, j = 0; i < serials.size(); i++) {
                if (serials.get(i) != null) {
                    serials.set(i, stored.get(j++).serial());
                }
            }
            Channel channel = router.find(key);
            if (channel != null) {
                channel.publish(ProtocolMessage.messages(key.name(), idBase, publisherId, now,
                        stored.get(stored.size() - 1).serial(), stored), publisherId);
            }
        }
        return new PublishResult(serials);
    }
}
