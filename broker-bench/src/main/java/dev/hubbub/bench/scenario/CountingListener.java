package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.Connection;
import dev.hubbub.bench.client.ConnectionListener;
import dev.hubbub.bench.client.InboundFrame;
import dev.hubbub.bench.report.ErrorCounts;
import java.util.concurrent.atomic.LongAdder;

/**
 * A listener that counts what goes wrong on its connections: each ERROR under
 * {@code <role>-<code>} in the run's errors, each close the bench did not ask for as a lost
 * connection. Publishers and subscribers extend it with what they do with their traffic.
 */
class CountingListener implements ConnectionListener {
    private final String role;
    private final ErrorCounts errors;
    private final LongAdder lost;

    CountingListener(String role, ErrorCounts errors, LongAdder lost) {
        this.role = role;
        this.errors = errors;
        this.lost = lost;
    }

    @Override
    public void onError(Connection c, InboundFrame f) {
        errors.add(role + "-" + f.errorKey(), 1, f.errorMessage());
    }

    @Override
    public void onClosed(Connection c, boolean requested) {
        if (!requested) {
            lost.increment();
        }
    }
}
