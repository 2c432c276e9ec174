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
     *
     * <p>A slot is {@link #STRIDE} longs of {@code numbers} (the msgSerial, -1 for none; the first
     * offset; the count) and one element of {@code held}. The common answer, an ACK of messages given
     * consecutive positions in one channel's log, is kept as that log's epoch in {@code held} (one
     * shared string) with the first offset and the count, and made again when a resend asks: a busy
     * publisher's last KEPT answers would otherwise be KEPT object graphs each (about 260 bytes in 8
     * objects), all living long enough to reach the old generation and die there. Any other answer is
     * kept as it is, a {@link ProtocolMessage} in {@code held}. Two arrays rather than one per field:
     * a publisher's ledger is cold by its next publish, and each array touched is another cache miss.
     */
    private long[] numbers;
    private Object[] held;
    private static final int STRIDE = 3;
    private static final int OFFSET = 1;
    private static final int COUNT = 2;
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
        if (numbers != null && msgSerial >= 0) {
            int slot = slot(msgSerial);
            if (numbers[slot * STRIDE] == msgSerial) {
                return held[slot] instanceof String epoch ? unpack(msgSerial, slot, epoch) : (ProtocolMessage) held[slot];
            }
        }
        return ProtocolMessage.ack(msgSerial, 1, null);
    }

    /** Records the answer to a msgSerial the caller claimed. */
    synchronized void answered(long msgSerial, ProtocolMessage answer) {
        if (msgSerial < 0) {
            return; // never claimed as a resend either (claim answers a negative serial as taken)
        }
        if (numbers == null) {
            allocate(FIRST_CAPACITY);
        }
        int slot = slot(msgSerial);
        long was = numbers[slot * STRIDE];
        // two serials within KEPT of each other (either way round: answers come in any order) both stay
        while (was >= 0 && was != msgSerial && Math.abs(was - msgSerial) < KEPT && held.length < KEPT) {
            grow();
            slot = slot(msgSerial);
            was = numbers[slot * STRIDE];
        }
        if (was > msgSerial) {
            return; // a serial KEPT or more later holds the slot: this late answer counts as too old
        }
        numbers[slot * STRIDE] = msgSerial;
        if (!pack(answer, slot)) {
            held[slot] = answer;
        }
    }

    /** Answers kept as objects (the rest are packed): for tests. */
    synchronized int answersHeld() {
        return held == null ? 0 : (int) Arrays.stream(held).filter(a -> a instanceof ProtocolMessage).count();
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
        held[slot] = epoch;
        numbers[slot * STRIDE + OFFSET] = offset;
        numbers[slot * STRIDE + COUNT] = given.size();
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

    private ProtocolMessage unpack(long msgSerial, int slot, String epoch) {
        int count = (int) numbers[slot * STRIDE + COUNT];
        long first = numbers[slot * STRIDE + OFFSET];
        List<String> made = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            made.add(new ChannelSerial(epoch, first + i).wire());
        }
        return ProtocolMessage.ack(msgSerial, 1, List.of(new PublishResult(made)));
    }

    private int slot(long msgSerial) { return (int) (msgSerial & (held.length - 1)); }

    private void grow() {
        long[] oldNumbers = numbers;
        Object[] oldHeld = held;
        allocate(oldHeld.length * 2);
        for (int i = 0; i < oldHeld.length; i++) {
            long serial = oldNumbers[i * STRIDE];
            if (serial >= 0) {
                int slot = slot(serial);
                System.arraycopy(oldNumbers, i * STRIDE, numbers, slot * STRIDE, STRIDE);
                held[slot] = oldHeld[i];
            }
        }
    }

    /** Empty slots of {@code capacity} (a power of two); -1 marks a slot that holds no answer. */
    private void allocate(int capacity) {
        numbers = new long[capacity * STRIDE];
        held = new Object[capacity];
        for (int i = 0; i < capacity; i++) {
            numbers[i * STRIDE] = -1;
        }
    }
}
