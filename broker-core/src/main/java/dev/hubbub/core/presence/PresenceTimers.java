package dev.hubbub.core.presence;

/**
 * Runs delayed presence work (the grace-period LEAVE). Tasks re-check the injected clock when they
 * run, so an implementation may fire early or late; tests use one that runs due tasks by hand.
 */
public interface PresenceTimers {
    /** Runs {@code task} on some timer thread after about {@code delayMillis}. */
    Cancellable schedule(Runnable task, long delayMillis);

    interface Cancellable {
        void cancel();
    }

    /** One daemon thread shared by every broker in the JVM, started on first use. */
    static PresenceTimers shared() { return ExecutorTimers.SHARED; }
}
