package dev.hubbub.core.session;

import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a connection has been answered for its recent msgSerials. A MESSAGE re-sent after a resume
 * (RTN19a: the SDK re-sends what it had no ACK for, with the same msgSerial) gets the answer it
 * had, and is not published again, however long ago it was first accepted. Handed from a session
 * to the session that resumes it; shared for a moment by both when the old transport is still
 * open, hence thread-safe. A recovered connection starts a new ledger: the old instance's
 * unanswered messages are not carried over (ably-java even numbers from 0 again).
 */
final class MsgSerialLedger {
    /** Answers kept: far more than the SDKs leave un-ACKed at once. */
    static final int KEPT = 256;

    private long next;
    /** Made at the first answer: a connection that never publishes (most subscribers) holds no map. */
    private Map<Long, ProtocolMessage> answers;

    /**
     * Claims {@code msgSerial} for publishing, or says it is a resend: then the answer already
     * given (the recorded ACK or NACK; for one too old to be kept, or still being handled on the
     * old transport, an ACK with no serials: it was taken, and must not be published again).
     * Null when the caller has claimed it and must publish it and record the answer. Atomic, so
     * the old and the new transport of a connection being taken over cannot both publish it.
     */
    synchronized ProtocolMessage claim(long msgSerial) {
        if (msgSerial >= next) {
            next = msgSerial + 1;
            return null;
        }
        ProtocolMessage answer = answers == null ? null : answers.get(msgSerial);
        return answer != null ? answer : ProtocolMessage.ack(msgSerial, 1, null);
    }

    /** Records the answer to a msgSerial the caller claimed. */
    synchronized void answered(long msgSerial, ProtocolMessage answer) {
        if (answers == null) {
            answers = new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, ProtocolMessage> eldest) { return size() > KEPT; }
            };
        }
        answers.put(msgSerial, answer);
    }
}
