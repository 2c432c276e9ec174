package dev.hubbub.core.publish;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.ChannelBus;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.identity.IdentityGate;
import dev.hubbub.core.identity.Provenance;
import dev.hubbub.core.limits.ClientIdRate;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.PublishResult;
import dev.hubbub.core.session.BrokerMetrics;
import dev.hubbub.core.session.ConnectionIds;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The one way a message enters a channel, realtime and REST alike. Every publish rule lives here
 * or in what this calls, in this order: channel name, messages present, the {@code publish}
 * capability, the PUBLISH mode (realtime, when attached), the identity gate, what a message may
 * carry (action, id, reserved headers, size), the provenance headers where they are on
 * ({@link Provenance}), the publish rate of each clientId ({@link ClientIdRate}), then the count, and the {@link ChannelBus}, which de-duplicates by id,
 * orders and delivers. A rejected publish changes nothing and delivers nothing. Thread-safe; called on the
 * publisher's thread.
 */
public final class Publishing {
    /** Ids the broker gives messages: {@code connectionId:msgSerial:index}. */
    private static final Pattern CONNECTION_STYLE_ID = Pattern.compile("[^:]+:\\d+:\\d+");

    private final Admission admission;
    private final IdentityGate gate;
    private final ChannelBus bus;
    private final Clock clock;
    private final BrokerMetrics metrics;
    private final Provenance provenance;
    private final ClientIdRate clientIdRate;

    /** Without provenance headers anywhere. */
    public Publishing(Admission admission, IdentityGate gate, ChannelBus bus, Clock clock, BrokerMetrics metrics) {
        this(admission, gate, bus, clock, metrics, Provenance.OFF);
    }

    /** Without a publish rate per clientId. */
    public Publishing(Admission admission, IdentityGate gate, ChannelBus bus, Clock clock, BrokerMetrics metrics,
                      Provenance provenance) {
        this(admission, gate, bus, clock, metrics, provenance, ClientIdRate.off());
    }

    /** @param clientIdRate the publish rate of each clientId, where its app limits it */
    public Publishing(Admission admission, IdentityGate gate, ChannelBus bus, Clock clock, BrokerMetrics metrics,
                      Provenance provenance, ClientIdRate clientIdRate) {
        this.clientIdRate = Objects.requireNonNull(clientIdRate);
        this.provenance = Objects.requireNonNull(provenance);
        this.admission = Objects.requireNonNull(admission);
        this.gate = Objects.requireNonNull(gate);
        this.bus = Objects.requireNonNull(bus);
        this.clock = Objects.requireNonNull(clock);
        this.metrics = Objects.requireNonNull(metrics);
    }

    /**
     * Checks and delivers one publish: the serials of its messages once the bus has them in the
     * channel's order, or why it was refused. A refusal by a rule completes at once; the bus may
     * complete on another thread.
     */
    public CompletionStage<Outcome<PublishResult>> publish(PublishRequest request) {
        String name = request.channel();
        ErrorInfo refused = admission.channel(name);
        if (refused != null) {
            return refuse(refused);
        }
        List<Message> messages = request.messages();
        if (messages == null || messages.isEmpty()) {
            return refuse(ErrorCode.BAD_REQUEST.info("No messages to publish"));
        }
        Principal principal = request.principal();
        name = ChannelNames.baseName(name); // a subscription's qualifier says nothing about publishing
        String publisherId = request.origin() instanceof PublishRequest.Realtime rt ? rt.connectionId() : null;
        refused = admission.capability(principal, name, Operation.PUBLISH, "publish to", publisherId);
        if (refused == null && request.origin() instanceof PublishRequest.Realtime rt && rt.attachedModes() != null) {
            refused = admission.mode(rt.attachedModes(), Flags.MODE_PUBLISH, name, "publish", "PUBLISH");
        }
        if (refused != null) {
            return refuse(refused);
        }
        Outcome<List<Message>> admitted = gate.admitMessages(IdentityGate.Claimant.of(request.who(), principal, name, publisherId),
                messages);
        if (!admitted.isOk()) {
            return refuse(admitted.error());
        }
        refused = checkContent(admitted.value(), publisherId); // after the gate: an implied clientId counts too
        if (refused != null) {
            return refuse(refused);
        }
        ChannelKey key = new ChannelKey(principal.appId(), name);
        Outcome<List<Message>> stamped = provenance.stampMessages(principal, key, admitted.value());
        if (!stamped.isOk()) {
            return refuse(stamped.error());
        }
        if (clientIdRate.limits(principal.appId())) { // the counts by clientId only where an app limits them
            refused = clientIdRate.take(principal.appId(), byClientId(admitted.value()), request.who());
            if (refused != null) {
                return refuse(refused);
            }
        }
        metrics.messagesIn(messages.size());
        String idBase = publisherId != null
                ? publisherId + ':' + ((PublishRequest.Realtime) request.origin()).msgSerial()
                : "rest-" + ConnectionIds.random(10);
        return deliver(key, publisherId, idBase, stamped.value());
    }

    /**
     * How many of the messages each clientId publishes, by the clientId they carry once the gate
     * has passed them (a connection's own, or the one a wildcard connection named): the limit is
     * per person, whichever connection or key speaks for them. Messages without one are not counted.
     */
    private static Map<String, Integer> byClientId(List<Message> messages) {
        Map<String, Integer> counts = new HashMap<>(2);
        for (Message m : messages) {
            if (m.clientId() != null) {
                counts.merge(m.clientId(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private static CompletionStage<Outcome<PublishResult>> refuse(ErrorInfo error) {
        return CompletableFuture.completedFuture(Outcome.fail(error));
    }

    /**
     * What a publish may carry besides its identity: only message creation (action 0; updates and
     * deletes would need their own capabilities), no id that claims to come from another
     * connection ({@code otherConnection:serial:index}), no server-side transform
     * ({@link #serverSideTransform}: 40013), no header only the broker sets
     * ({@link Provenance#reservedHeader}: 40000), and the size limit over all messages.
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
            ErrorInfo transform = serverSideTransform(m.encoding(), m.extras());
            if (transform != null) {
                return transform;
            }
            ErrorInfo reserved = Provenance.reservedHeader(m.extras());
            if (reserved != null) {
                return reserved;
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
     * 40013 when a message or presence event claims a transform only the server may apply, else
     * null: a {@code vcdiff} step in its {@code encoding} (one of its '/'-separated steps) or an
     * {@code extras.delta}. Subscribers' SDKs would try to apply the delta to a message they never
     * had, fail the channel (40019) or re-attach, and lose the message. Refused rather than
     * stripped: the publisher's data is meaningless without the delta's base.
     */
    public static ErrorInfo serverSideTransform(String encoding, JsonNode extras) {
        if (encoding != null) {
            for (String step : encoding.split("/", -1)) {
                if (step.equalsIgnoreCase("vcdiff")) {
                    return ErrorCode.INVALID_DATA.info("Invalid message encoding: 'vcdiff' is a transform only the server"
                            + " applies (delta mode); publish the full data");
                }
            }
        }
        if (extras != null && extras.isObject() && extras.has("delta")) {
            return ErrorCode.INVALID_DATA.info("Invalid message extras: 'delta' is set only by the server (delta mode)");
        }
        return null;
    }

    /**
     * Stamps admitted messages (id, connectionId, timestamp) and hands them to the bus, which drops
     * those whose id the channel has seen within the de-duplication window (a retried publish),
     * gives the rest their serials in the channel's one order and delivers them.
     */
    private CompletionStage<Outcome<PublishResult>> deliver(ChannelKey key, String publisherId, String idBase,
                                                            List<Message> messages) {
        long now = clock.millis();
        List<Message> stamped = new ArrayList<>(messages.size());
        Set<String> clientIds = Collections.emptySet(); // most publishes choose no ids: no set made for them
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            stamped.add(m.stamped(idBase + ':' + i, publisherId, now, null));
            if (m.id() != null) {
                if (clientIds.isEmpty()) {
                    clientIds = new HashSet<>();
                }
                clientIds.add(m.id());
            }
        }
        CompletableFuture<Outcome<PublishResult>> done = new CompletableFuture<>();
        bus.publish(new ChannelBus.Publication(key, publisherId, idBase, now, stamped, clientIds), done::complete);
        return done;
    }
}
