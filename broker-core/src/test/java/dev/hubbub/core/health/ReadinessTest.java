package dev.hubbub.core.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReadinessTest {
    private final Readiness readiness = new Readiness();

    @Test
    void readyWithNoChecks() {
        assertTrue(readiness.ready());
        assertEquals(List.of(), readiness.failing());
    }

    @Test
    void reportsTheFailingChecksInRegistrationOrderAskingEachTime() {
        AtomicBoolean redis = new AtomicBoolean(false);
        readiness.register("listening", () -> true).register("redis", redis::get).register("zeta", () -> false);
        assertFalse(readiness.ready());
        assertEquals(List.of("redis", "zeta"), readiness.failing());
        redis.set(true);
        assertEquals(List.of("zeta"), readiness.failing());
    }

    @Test
    void aCheckThatThrowsFails() {
        readiness.register("broken", () -> {
            throw new IllegalStateException("backend gone");
        });
        assertFalse(readiness.ready());
        assertEquals(List.of("broken"), readiness.failing());
    }

    @Test
    void namesAreUnique() {
        readiness.register("listening", () -> true);
        assertThrows(IllegalArgumentException.class, () -> readiness.register("listening", () -> false));
        assertTrue(readiness.ready(), "the first check stays");
        assertThrows(NullPointerException.class, () -> readiness.register(null, () -> true));
        assertThrows(NullPointerException.class, () -> readiness.register("x", null));
    }
}
