package dev.hubbub.core.session;

import dev.hubbub.core.auth.Operation;
import dev.hubbub.core.auth.Principal;
import dev.hubbub.core.channel.Channel;
import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.channel.ChannelNames;
import dev.hubbub.core.channel.PresenceView;
import dev.hubbub.core.channel.Subscriber;
import dev.hubbub.core.history.AttachReplay;
import dev.hubbub.core.identity.AuditEvent;
import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.log.LogText;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The channels one connection is attached to, by the name it attached with (qualified or not):
 * ATTACH and DETACH, the replay an attach gets, the modes each was granted, narrowing them when
 * the connection's capability shrinks, and letting go of them when the connection ends.
 * Confined to the connection's own thread, like its {@link Session}.
 */
final class ChannelAttachments {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChannelAttachments.class);
    /**
     * A channel this connection is attached to, with the modes it was granted and its presence view
     * ({@code presenceBy}), as the channel sees it: the session, or for a qualified name a
     * {@link QualifiedSubscriber} view of it.
     */
    record Attachment(Channel channel, int modes, Subscriber as, PresenceView view) {}

    private final Session session;
    private final SessionServices services;
    private final Transport transport;
    // both maps start with a table of two (a table of 16 costs 80 bytes where most connections use a channel or two)
    private final Map<String, Attachment> byName = new HashMap<>(2);
    /** ATTACHes waiting for the bus, by name: the latest attempt under each name. */
    private final Map<String, Object> opening = new HashMap<>(2);

    ChannelAttachments(Session session, SessionServices services, Transport transport) {
        this.session = session;
        this.services = services;
        this.transport = transport;
    }

    /**
     * The last attachment {@link #get} found, and its name: a publisher mostly publishes on one
     * channel, and this answers it with the name's two objects (a string and its bytes, allocated
     * together) where the map costs five more, each a cache miss on a connection that was not the
     * last to publish. Forgotten at every change to {@link #byName} ({@link #changed}).
     */
    private String lastName;
    private Attachment last;

    /** The attachment under this name (as the client wrote it), or null. */
    Attachment get(String name) {
        if (name == null) {
            return null;
        }
        if (last != null && name.equals(lastName)) {
            return last;
        }
        Attachment a = byName.get(name);
        if (a != null) {
            lastName = name;
            last = a;
        }
        return a;
    }

    /** {@link #byName} changed: what {@link #get} remembered may be gone or out of date. */
    private void changed() {
        lastName = null;
        last = null;
    }

    /** The modes held under this name, or null when not attached. */
    Integer modes(String name) {
        Attachment a = get(name);
        return a == null ? null : a.modes();
    }

    /** The channels attached to (each once, whatever names it is attached under). */
    Set<ChannelKey> channelKeys() {
        Set<ChannelKey> keys = new HashSet<>();
        for (Attachment a : byName.values()) {
            keys.add(a.channel().key());
        }
        return keys;
    }

    /** ATTACH: checks the name, capability, channel count and rewind, then attaches with its replay. */
    void attach(ProtocolMessage message, Principal p) {
        String name = message.channel();
        ErrorInfo invalid = ChannelNames.validate(name);
        if (invalid != null) {
            session.malformed(invalid, null, name); // no channel named: a connection-level ERROR, not one for channel ""
            return;
        }
        String base = ChannelNames.baseName(name);
        if (!p.capability().allowsAny(base)) {
            transport.send(denied(name, base));
            session.audit(AuditEvent.Kind.CAPABILITY_DENIED, p, ErrorCode.CAPABILITY_DENIED.info(), base, "attach");
            return;
        }
        Attachment existing = byName.get(name);
        int max = services.limits().maxChannelsPerConnection();
        if (existing == null && byName.size() >= max) {
            transport.send(ProtocolMessage.channelError(name, ErrorCode.TOO_MANY_CHANNELS.info(
                    "Maximum number of channels per connection (" + max + ") exceeded")));
            return;
        }
        Map<String, String> params = ChannelNames.qualifierParams(name);
        if (message.params() != null) {
            params = new HashMap<>(params);
            params.putAll(message.params());
        }
        Outcome<AttachReplay.Rewind> rewind = AttachReplay.rewind(params);
        if (rewind != null && !rewind.isOk()) {
            transport.send(ProtocolMessage.channelError(name, rewind.error()));
            return;
        }
        // presenceBy: a value we do not know is refused like a bad rewind (the SDK's channel FAILS with
        // 40003), not ignored: the app would otherwise count people from a view it did not ask for
        Outcome<PresenceView> presenceBy = PresenceView.fromParams(params);
        if (presenceBy != null && !presenceBy.isOk()) {
            transport.send(ProtocolMessage.channelError(name, presenceBy.error()));
            return;
        }
        PresenceView view = presenceBy == null ? PresenceView.BY_CONNECTION : presenceBy.value();
        Map<String, String> echoed = presenceBy == null ? Map.of() : Map.of(PresenceView.PARAM, view.wire());
        int requested = Flags.modes(message.flagsOrZero());
        int modes = (requested == 0 ? Flags.DEFAULT_MODES : requested) & p.capability().grantedModes(base);
        ChannelKey key = new ChannelKey(p.appId(), base);
        Subscriber as = existing != null ? existing.as() : base.equals(name) ? session : new QualifiedSubscriber(session, name);
        AttachReplay.Rewind rewindValue = rewind == null ? null : rewind.value();
        boolean live = existing != null;
        String channelSerial = message.channelSerial();
        whenReady(key, name, live ? null : channelSerial, live || rewindValue == null ? 0 : rewindValue.count() + 1,
                log -> services.presence().attached(key, name, modes, view, hasPresence -> attachInOrder(log, key, name, as, modes,
                        view, echoed, hasPresence, live, channelSerial, rewindValue), transport::send));
    }

    /**
     * Runs {@code then} once the bus delivers the channel to this node (at once on one node; in a
     * cluster once the node's subscription holds) and the log has read ahead what the attach
     * replays, back on this connection's thread, with the log to plan the replay from. An ATTACH
     * that cannot be set up now gets a DETACHED with the error (the SDK retries it); one overtaken
     * by a DETACH (or by the connection ending) is dropped.
     */
    private void whenReady(ChannelKey key, String name, String channelSerial, int rewindCount, Consumer<MessageLog> then) {
        Object attempt = new Object();
        opening.put(name, attempt);
        Thread caller = Thread.currentThread();
        // DETACHED with the error, not ERROR: the SDK then retries the attach a little later (RTL13b), where an ERROR
        // would leave the channel FAILED for good over what is a passing outage
        Consumer<ErrorInfo> refuse = error -> {
            if (opening.remove(name, attempt) && !session.isClosed()) {
                transport.send(ProtocolMessage.detached(name, error));
            }
        };
        services.bus().open(key, () -> services.log().prepare(key, channelSerial, rewindCount).whenComplete((log, failure) ->
                onOwnThread(caller, () -> {
                    if (log == null) {
                        refuse.accept(ErrorCode.CLUSTER_UNREACHABLE.info(
                                "Unable to attach: what the channel replays could not be read; retrying later"));
                    } else if (opening.get(name) == attempt && !session.isClosed()) {
                        try {
                            then.accept(log);
                            opening.remove(name, attempt);
                        } catch (RuntimeException e) { // storage failing under the attach: told, retried by the SDK
                            LOG.warn("{} attach of a channel failed: {}", session.who(), LogText.untrusted(e.toString(),
                                    LogText.MESSAGE_BUDGET));
                            refuse.accept(ErrorCode.INTERNAL.info("Unable to attach now; retrying later"));
                        }
                    }
                })), error -> onOwnThread(caller, () -> refuse.accept(error)));
    }

    /** Runs on the caller's thread: now when already on it, else scheduled onto the connection's thread. */
    private void onOwnThread(Thread caller, Runnable task) {
        if (Thread.currentThread() == caller) {
            task.run();
        } else {
            transport.schedule(task, 0);
        }
    }

    /**
     * Attaches, answers ATTACHED and replays what the client missed or asked to rewind, under the
     * channel's order lock: everything published before is in the replay, everything after is
     * delivered live, nothing twice. A re-ATTACH of a channel this transport is attached to already
     * (new modes, say) replays nothing: nothing was missed, and what its channelSerial lags behind
     * is already on its way to the client.
     */
    private void attachInOrder(MessageLog log, ChannelKey key, String name, Subscriber as, int modes, PresenceView view,
                               Map<String, String> echoed, int hasPresence, boolean live, String channelSerial,
                               AttachReplay.Rewind rewind) {
        synchronized (services.router().orderLock(key)) {
            Channel channel = services.router().attach(key, as, modes, view);
            byName.put(name, new Attachment(channel, modes, as, view));
            changed();
            AttachReplay.Plan plan = (live ? AttachReplay.Plan.CONTINUING
                    : AttachReplay.plan(log, key, channelSerial, rewind, services.clock())).echoing(echoed);
            plan.send(name, modes | hasPresence, log.currentSerial(key), session.echoes() ? null : session.connectionId(),
                    transport::send);
        }
    }

    /** DETACH: leaves the channel (its members leave now) and answers DETACHED. */
    void detach(ProtocolMessage message) {
        String name = message.channel();
        if (name == null) {
            transport.send(ProtocolMessage.error(ErrorCode.BAD_REQUEST.info("DETACH needs a channel")));
            return;
        }
        opening.remove(name);
        Attachment a = byName.remove(name);
        changed();
        if (a != null) {
            drop(a, 0, false);
        }
        transport.send(ProtocolMessage.detached(name, null));
    }

    /**
     * The connection ended: leaves every channel.
     *
     * @param graceMillis how long its presence members stay (0: they leave now)
     * @param keepMembers its members belong to a connection that took it over: they are left alone
     */
    void releaseAll(long graceMillis, boolean keepMembers) {
        for (Attachment a : byName.values()) {
            drop(a, graceMillis, keepMembers);
        }
        byName.clear();
        changed();
        opening.clear();
    }

    /** Detaches (with 40160) channels the capability no longer permits; narrows modes on the rest. */
    void narrowTo(Principal p) {
        try {
            narrowEach(p);
        } finally {
            changed();
        }
    }

    private void narrowEach(Principal p) {
        for (var it = byName.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            String base = ChannelNames.baseName(name);
            Attachment a = e.getValue();
            if (!p.capability().allowsAny(base)) {
                it.remove();
                drop(a, 0, false);
                transport.send(denied(name, name));
                session.audit(AuditEvent.Kind.CAPABILITY_DENIED, p, ErrorCode.CAPABILITY_DENIED.info(), base, "attach");
                continue;
            }
            int modes = a.modes() & p.capability().grantedModes(base);
            if (modes != a.modes()) {
                services.router().attach(a.channel().key(), a.as(), modes, a.view());
                e.setValue(new Attachment(a.channel(), modes, a.as(), a.view()));
            }
            if (!p.capability().allows(base, Operation.PRESENCE)) {
                // no longer allowed to be present, whatever mode it attached with: its members leave now
                services.presence().connectionLeft(a.channel().key(), session.connectionId(), 0);
            }
        }
    }

    /** Leaves a channel this connection was attached to (already removed from {@code byName}). */
    private void drop(Attachment a, long graceMillis, boolean keepMembers) {
        services.router().detach(a.channel().key(), a.as());
        if (keepMembers) {
            return;
        }
        for (Attachment other : byName.values()) {
            if (other != a && other.channel().key().equals(a.channel().key())) {
                return; // still attached to the channel under another name (qualified or not): its members stay
            }
        }
        services.presence().connectionLeft(a.channel().key(), session.connectionId(), graceMillis);
    }

    private static ProtocolMessage denied(String name, String resource) {
        return ProtocolMessage.channelError(name, ErrorCode.CAPABILITY_DENIED.info(
                "Channel denied access based on given capability: '" + resource + "'"));
    }
}
