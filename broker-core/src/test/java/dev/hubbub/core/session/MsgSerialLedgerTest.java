package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.hubbub.core.history.ChannelSerial;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.PublishResult;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MsgSerialLedgerTest {
    private static ProtocolMessage answer(long serial) { return ProtocolMessage.ack(serial, 1, List.of()); }

    @Test
    void aResendGetsTheAnswerItHadAndIsNotClaimedAgain() {
        MsgSerialLedger ledger = new MsgSerialLedger();
        assertNull(ledger.claim(0));
        ProtocolMessage first = answer(0);
        ledger.answered(0, first);
        assertNull(ledger.claim(1));
        ProtocolMessage refused = ProtocolMessage.nack(1, 1, ErrorCode.BAD_REQUEST.info("no"));
        ledger.answered(1, refused);
        assertSame(first, ledger.claim(0));
        assertSame(refused, ledger.claim(1), "a NACK is answered again as a NACK");
    }

    @Test
    void theLastKeptSerialsKeepTheirAnswersOlderOnesAreTakenWithoutOne() {
        MsgSerialLedger ledger = new MsgSerialLedger();
        int total = MsgSerialLedger.KEPT + 44;
        List<ProtocolMessage> given = new ArrayList<>();
        for (int s = 0; s < total; s++) {
            assertNull(ledger.claim(s));
            given.add(answer(s));
            ledger.answered(s, given.get(s));
        }
        for (int s = 0; s < total; s++) {
            ProtocolMessage again = ledger.claim(s);
            if (s < total - MsgSerialLedger.KEPT) {
                assertNotSame(given.get(s), again, "serial " + s + " is past the kept window");
                assertNull(again.res(), "taken: an ACK with no serials for " + s);
            } else {
                assertSame(given.get(s), again, "serial " + s);
            }
        }
    }

    @Test
    void aLateAnswerDoesNotEvictANewerOne() {
        MsgSerialLedger ledger = new MsgSerialLedger();
        for (int s = 0; s <= MsgSerialLedger.KEPT; s++) {
            assertNull(ledger.claim(s));
        }
        ProtocolMessage newer = answer(MsgSerialLedger.KEPT);
        ledger.answered(MsgSerialLedger.KEPT, newer);
        ledger.answered(0, answer(0)); // answered last, but KEPT serials older: the same slot
        assertSame(newer, ledger.claim(MsgSerialLedger.KEPT));
    }

    @Test
    void outOfOrderAnswersWithinTheWindowAreAllKept() {
        MsgSerialLedger ledger = new MsgSerialLedger();
        List<ProtocolMessage> given = new ArrayList<>();
        for (int s = 0; s < 100; s++) {
            assertNull(ledger.claim(s));
            given.add(answer(s));
        }
        for (int s = 99; s >= 0; s--) { // the bus confirmed them backwards
            ledger.answered(s, given.get(s));
        }
        for (int s = 0; s < 100; s++) {
            assertSame(given.get(s), ledger.claim(s), "serial " + s);
        }
    }

    private static ProtocolMessage ackOf(long msgSerial, String... serials) {
        return ProtocolMessage.ack(msgSerial, 1, List.of(new PublishResult(new ArrayList<>(Arrays.asList(serials)))));
    }

    // Rule: the common ACK (consecutive serials of one log) is kept packed, not as objects, and a
    // resend gets an equal answer back, across channels (epochs) and through the ring's growth.
    @Test
    void plainAcksArePackedAndComeBackEqual() {
        MsgSerialLedger ledger = new MsgSerialLedger();
        List<ProtocolMessage> given = new ArrayList<>();
        for (int s = 0; s < MsgSerialLedger.KEPT; s++) {
            String epoch = s % 50 < 25 ? "epochaaaaa" : "epochbbbbb";
            ProtocolMessage a = s % 7 == 0
                    ? ackOf(s, new ChannelSerial(epoch, 3 * s).wire(), new ChannelSerial(epoch, 3 * s + 1).wire(),
                            new ChannelSerial(epoch, 3 * s + 2).wire())
                    : ackOf(s, new ChannelSerial(epoch, 1000L * s).wire());
            assertNull(ledger.claim(s));
            ledger.answered(s, a);
            given.add(a);
        }
        assertEquals(0, ledger.answersHeld(), "every plain ACK is packed");
        for (int s = 0; s < MsgSerialLedger.KEPT; s++) {
            assertEquals(given.get(s), ledger.claim(s), "serial " + s);
        }
    }

    // Rule: an answer packing would not make again exactly is kept as it is: a duplicate's null
    // serial, serials that skip, two epochs in one answer, a serial not of our making, an ACK of presence.
    @Test
    void answersPackingCannotRemakeAreKeptAsTheyAre() {
        MsgSerialLedger ledger = new MsgSerialLedger();
        String e = "epochaaaaa";
        List<ProtocolMessage> odd = List.of(
                ackOf(0, (String) null),
                ackOf(1, new ChannelSerial(e, 5).wire(), new ChannelSerial(e, 7).wire()),
                ackOf(2, new ChannelSerial(e, 5).wire(), new ChannelSerial("epochbbbbb", 6).wire()),
                ackOf(3, "1700000000000-0"),
                ackOf(4, e + ":0000000000A1"),
                ackOf(5, e + ":1"),
                ProtocolMessage.ack(6, 1, null));
        for (ProtocolMessage a : odd) {
            assertNull(ledger.claim(a.msgSerial()));
            ledger.answered(a.msgSerial(), a);
        }
        assertEquals(odd.size(), ledger.answersHeld());
        for (ProtocolMessage a : odd) {
            assertSame(a, ledger.claim(a.msgSerial()));
        }
    }

    // Rule: offsetOf reads only what ChannelSerial writes.
    @Test
    void offsetOfReadsOnlyTheCanonicalForm() {
        assertEquals(123456789L, MsgSerialLedger.offsetOf(new ChannelSerial("abc", 123456789L).wire(), "abc"));
        assertEquals(Long.MAX_VALUE, MsgSerialLedger.offsetOf(new ChannelSerial("abc", Long.MAX_VALUE).wire(), "abc"));
        assertEquals(-1, MsgSerialLedger.offsetOf("abc:zzzzzzzzzzzzz", "abc"), "past Long.MAX_VALUE");
        assertEquals("1y2p0ij32e8e7", Long.toString(Long.MAX_VALUE, 36));
        assertEquals(Long.MAX_VALUE, MsgSerialLedger.offsetOf("abc:1y2p0ij32e8e7", "abc"));
        assertEquals(-1, MsgSerialLedger.offsetOf("abc:1y2p0ij32e8e8", "abc"), "Long.MAX_VALUE + 1");
        assertEquals(-1, MsgSerialLedger.offsetOf("abc:1y2p0ij32e8f0", "abc"), "past Long.MAX_VALUE in the last digit");
        assertEquals(-1, MsgSerialLedger.offsetOf("abc:1y2p0ij32e9e7", "abc"), "past Long.MAX_VALUE before the last digit");
        assertEquals(-1, MsgSerialLedger.offsetOf("abd:0000000000001", "abc"));
        assertEquals(-1, MsgSerialLedger.offsetOf("abc:+000000000001", "abc"));
    }
}
