package dev.hubbub.core.session;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ProtocolMessage;
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
}
