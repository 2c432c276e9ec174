package dev.hubbub.core.session;

import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
    /**
     * The common answer, an ACK of messages given consecutive positions in one channel's log, is
     * kept as that log's epoch (one shared string), the first offset and the count, and made again
     * when a resend asks: a busy publisher's last KEPT answers would otherwise be KEPT objects
     * graphs each (about 260 bytes in 8 objects), all living long enough to reach the old
     * generation and die there. Any other answer is kept as it is, in {@code answers}.
     */
    private String[] epochs;
    private long[] firstOffsets;
    private int[] counts;
    private ProtocolMessage[] answers;
    private String lastEpoch;  // the epoch of the last packed answer: a publisher mostly stays on a channel

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
                return epochs[slot] != null ? unpack(msgSerial, slot) : answers[slot];
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
        if (!pack(answer, slot)) {
            epochs[slot] = null;
            answers[slot] = answer;
        }
    }

    /** Answers kept as objects (the rest are packed): for tests. */
    synchronized int answersHeld() {
        return answers == null ? 0 : (int) Arrays.stream(answers).filter(a -> a != null).count();
    }

    /** Keeps {@code answer} packed in {@code slot} when it is an ACK of consecutive serials of one epoch. */
    private boolean pack(ProtocolMessage answer, int slot) {
        if (answer.action() != Action.ACK || answer.count() == null || answer.count() != 1 || answer.res() == null
                || answer.res().size() != 1 || answer.res().get(0) == null) {
            return false;
        }
        List<String> given = answer.res().get(0).serials();
        if (given == null || given.isEmpty()) {
            return false;
        }
        String first = given.get(0);
        if (first == null) {
            return false;
        }
        String epoch = lastEpoch;
        long offset = epoch == null ? -1 : offsetOf(first, epoch);
        if (offset < 0) {
            ChannelSerial parsed = ChannelSerial.parse(first);
            if (parsed == null) {
                return false;
            }
            epoch = parsed.epoch();
            offset = offsetOf(first, epoch);
            if (offset < 0) {
                return false; // not exactly what unpack would make again
            }
        }
        for (int i = 1; i < given.size(); i++) {
            String s = given.get(i);
            if (s == null || offsetOf(s, epoch) != offset + i) {
                return false; // not what unpack would make again
            }
        }
        lastEpoch = epoch;
        epochs[slot] = epoch;
        firstOffsets[slot] = offset;
        counts[slot] = given.size();
        answers[slot] = null;
        return true;
    }

    private static final int OFFSET_DIGITS = 13; // as ChannelSerial writes them
    private static final long MAX_BEFORE_DIGIT = Long.MAX_VALUE / 36; // v * 36 does not overflow up to this

    /**
     * The offset of {@code serial} when it is exactly what {@link ChannelSerial#wire()} makes for
     * {@code epoch} (13 lower-case base-36 digits); else -1. Allocates nothing.
     */
    static long offsetOf(String serial, String epoch) {
        int from = epoch.length() + 1;
        if (serial.length() != from + OFFSET_DIGITS || serial.charAt(from - 1) != ':' || !serial.startsWith(epoch)) {
            return -1;
        }
        long v = 0;
        for (int i = from; i < serial.length(); i++) {
            char c = serial.charAt(i);
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
            // no division per digit (a long division each: 13 of them per call showed as 1% of a publish)
            if (d < 0 || v > MAX_BEFORE_DIGIT) {
                return -1;
            }
            v *= 36;
            if (v > Long.MAX_VALUE - d) {
                return -1;
            }
            v += d;
        }
        return v;
    }

    private ProtocolMessage unpack(long msgSerial, int slot) {
        List<String> made = new ArrayList<>(counts[slot]);
        for (int i = 0; i < counts[slot]; i++) {
            made.add(new ChannelSerial(epochs[slot], firstOffsets[slot] + i).wire());
        }
        return ProtocolMessage.ack(msgSerial, 1, List.of(new PublishResult(made)));
    }

    private void grow() {
        long[] oldSerials = serials;
        String[] oldEpochs = epochs;
        long[] oldOffsets = firstOffsets;
        int[] oldCounts = counts;
        ProtocolMessage[] oldAnswers = answers;
        allocate(oldSerials.length * 2);
        for (int i = 0; i < oldSerials.length; i++) {
            if (oldSerials[i] >= 0) {
                int slot = (int) (oldSerials[i] & (serials.length - 1));
                serials[slot] = oldSerials[i];
                epochs[slot] = oldEpochs[i];
                firstOffsets[slot] = oldOffsets[i];
                counts[slot] = oldCounts[i];
                answers[slot] = oldAnswers[i];
            }
        }
    }

    /** Empty slots of {@code capacity} (a power of two); -1 marks a slot that holds no answer. */
    private void allocate(int capacity) {
        serials = new long[capacity];
        epochs = new String[capacity];
        firstOffsets = new long[capacity];
        counts = new int[capacity];
        answers = new ProtocolMessage[capacity];
        Arrays.fill(serials, -1);
    }
}
