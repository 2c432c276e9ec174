package dev.hubbub.core.session;

import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.ArrayDeque;

/**
 * ACKs and NACKs of one connection, sent in the order of the msgSerials they answer. The SDKs
 * take an ACK for serial n as the answer to everything before it too (ably-js completes its queue
 * up to n), so an answer that is ready early, a local refusal say, waits for the publish before it
 * whose bus has not confirmed it yet. Confined to the connection's own thread.
 */
final class OrderedReplies {
    /** One answer to come, in the order it was reserved. */
    static final class Slot {
        private ProtocolMessage answer;
    }

    /**
     * Made when an answer first has to wait (a bus that confirms later): on one node none ever does,
     * and a connection then holds no deque (about 50 bytes) and an answer reads no second object.
     */
    private ArrayDeque<Slot> waiting;
    private final Transport transport;

    OrderedReplies(Transport transport) { this.transport = transport; }

    /** Reserves the place of the next answer. */
    Slot reserve() {
        if (waiting == null) {
            waiting = new ArrayDeque<>(1); // sized for the common case, one answer at most waiting; grows on demand
        }
        Slot slot = new Slot();
        waiting.addLast(slot);
        return slot;
    }

    /** Fills a reserved place and sends every answer now at the head of the line. */
    void answer(Slot slot, ProtocolMessage answer) {
        slot.answer = answer;
        for (Slot head = waiting.peekFirst(); head != null && head.answer != null; head = waiting.peekFirst()) {
            waiting.pollFirst();
            transport.send(head.answer);
        }
    }

    /** Answers with no wait when nothing is waiting (the common case), else in line. */
    void answerNow(ProtocolMessage answer) {
        if (waiting == null || waiting.isEmpty()) {
            transport.send(answer);
        } else {
            answer(reserve(), answer);
        }
    }
}
