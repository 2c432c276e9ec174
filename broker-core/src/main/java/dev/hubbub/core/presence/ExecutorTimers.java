package dev.hubbub.core.presence;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link PresenceTimers} on a one-thread daemon {@link ScheduledThreadPoolExecutor}. */
final class ExecutorTimers implements PresenceTimers {
    private static final Logger log = LoggerFactory.getLogger(ExecutorTimers.class);
    static final ExecutorTimers SHARED = new ExecutorTimers("presence-timers");

    private final ScheduledThreadPoolExecutor executor;

    ExecutorTimers(String threadName) {
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
    }

    @Override
    public Cancellable schedule(Runnable task, long delayMillis) {
        ScheduledFuture<?> f = executor.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("presence timer task failed", e);
            }
        }, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }
}
