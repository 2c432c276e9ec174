package dev.hubbub.core.channel;

import dev.hubbub.core.history.MessageLog;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The single-node bus: under the channel's order lock it drops duplicates, appends to the
 * in-process log (which gives the serials) and hands the frame to the channel's subscribers, all
 * on the publisher's thread, before {@code done} runs. Nothing to set up before an attach.
 */
public final class LocalBus implements ChannelBus {
    private final ChannelRouter router;
    private final MessageLog log;

    public LocalBus(ChannelRouter router, MessageLog log) {
        this.router = Objects.requireNonNull(router);
        this.log = Objects.requireNonNull(log);
    }

    @Override
    public void publish(Publication p, Consumer<Outcome<PublishResult>> done) {
        done.accept(Outcome.ok(deliver(p)));
    }

    @Override
    public void open(ChannelKey key, Runnable live, Consumer<ErrorInfo> failed) {
        live.run();
    }

    /** @return one serial per message, null for a dropped duplicate */
    private PublishResult deliver(Publication p) {
        ChannelKey key = p.key();
        List<Message> stamped = p.messages();
        List<String> serials = new ArrayList<>(stamped.size());
        synchronized (router.orderLock(key)) {
            Channel channel = router.find(key);
            if (channel != null) {
                // the channel's own key, most likely the very instance the log's map holds (both are made by the
                // first attach): a lookup by key (isDuplicate) then matches on identity, not by comparing two names
                key = channel.key();
            }
            List<Message> fresh = new ArrayList<>(stamped.size());
            Set<String> batch = stamped.size() > 1 ? new HashSet<>() : null; // one message repeats nothing in its batch
            boolean anyClientChosen = !p.clientIds().isEmpty();
            for (Message m : stamped) {
                // only the client's own ids (RSL1k); a realtime resend is answered by the session's ledger before this
                boolean clientChosen = anyClientChosen && p.clientIds().contains(m.id());
                boolean repeated = batch != null && !batch.add(m.id());
                if (repeated || (clientChosen && log.isDuplicate(key, m.id()))) {
                    serials.add(null);
                } else {
                    serials.add("");
                    fresh.add(m);
                }
            }
            if (fresh.isEmpty()) {
                return new PublishResult(serials);
            }
            // a live channel holds its log: no lookup by key per publish
            List<Message> stored = channel != null ? channel.history(log).append(fresh, p.clientIds())
                    : log.append(key, fresh, p.clientIds());
            for (int i = 0, j = 0; i < serials.size(); i++) {
                if (serials.get(i) != null) {
                    serials.set(i, stored.get(j++).serial());
                }
            }
            if (channel != null) {
                channel.publish(ProtocolMessage.messages(key.name(), p.idBase(), p.publisherId(), p.timestamp(),
                        stored.get(stored.size() - 1).serial(), stored), p.publisherId());
            }
        }
        return new PublishResult(serials);
    }
}
