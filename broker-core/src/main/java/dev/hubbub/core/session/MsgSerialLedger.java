package dev.hubbub.core.session;

import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.Arrays;

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
    private static final int FIRST_CAPACITY = 16;

    private long next;
    /**
     * The answers of the last {@link #KEPT} msgSerials, in a ring indexed by msgSerial: no boxing and
     * no entry per answer (a LinkedHashMap cost a node and a Long per publish). Made at the first
     * answer, a connection that never publishes holds none; it doubles, up to KEPT slots, when an
     * answer would overwrite one still within KEPT serials of it.
     */
    private long[] serials;
    private ProtocolMessage[] answers;

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
        if (serials != null && msgSerial >= 0) {
            int slot = (int) (msgSerial & (serials.length - 1));
            if (serials[slot] == msgSerial) {
                return answers[slot];
            }
        }
        return ProtocolMessage.ack(msgSerial, 1, null);
    }

    /** Records the answer to a msgSerial the caller claimed. */
    synchronized void answered(long msgSerial, ProtocolMessage answer) {
        if (msgSerial < 0) {
            return; // never claimed as a resend either (claim answers a negative serial as taken)
        }
        if (serials == null) {
            allocate(FIRST_CAPACITY);
        }
        int slot = (int) (msgSerial & (serials.length - 1));
        long held = serials[slot];
        // two serials within KEPT of each other (either way round: answers come in any order) both stay
        while (held >= 0 && held != msgSerial && Math.abs(held - msgSerial) < KEPT && serials.length < KEPT) {
            grow();
            slot = (int) (msgSerial & (serials.length - 1));
            held = serials[slot];
        }
        if (held > msgSerial) {
            return; // a serial KEPT or more later holds the slot: this late answer counts as too old
        }
        serials[slot] = msgSerial;
        answers[slot] = answer;
    }

    private void grow() {
        long[] oldSerials = serials;
        ProtocolMessage[] oldAnswers = answers;
        allocate(oldSerials.length * 2);
        for (int i = 0; i < oldSerials.length; i++) {
            if (oldSerials[i] >= 0) {
                int slot = (int) (oldSerials[i] & (serials.length - 1));
                serials[slot] = oldSerials[i];
                answers[slot] = oldAnswers[i];
            }
        }
    }

    /** Empty slots of {@code capacity} (a power of two); -1 marks a slot that holds no answer. */
    private void allocate(int capacity) {
        serials = new long[capacity];
        answers = new ProtocolMessage[capacity];
        Arrays.fill(serials, -1);
    }
}
