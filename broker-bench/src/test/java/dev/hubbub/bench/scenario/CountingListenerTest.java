package dev.hubbub.bench.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.report.ErrorCounts;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class CountingListenerTest {
    @Test
    void countsErrorsUnderItsRoleAndOnlyTheClosesNobodyAskedFor() {
        ErrorCounts errors = new ErrorCounts();
        LongAdder lost = new LongAdder();
        CountingListener l = new CountingListener("publisher", errors, lost);
        l.onError(null, new InboundFrame());
        l.onError(null, new InboundFrame());
        l.onClosed(null, true);
        l.onClosed(null, false);
        assertEquals(Map.of("publisher-error", 2L), errors.snapshot());
        assertEquals(1, lost.sum());
    }
}
