package dev.hubbub.server.continuity;

import org.junit.jupiter.api.AfterEach;

/** A test that runs against one {@link ContinuityBroker} at a time, kept in {@link #broker} and closed after each test. */
abstract class ContinuityTestBase {
    ContinuityBroker broker;

    @AfterEach
    void closeBroker() {
        if (broker != null) {
            broker.close();
        }
    }
}
