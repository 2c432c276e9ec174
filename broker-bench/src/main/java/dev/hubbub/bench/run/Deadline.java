package dev.hubbub.bench.run;

import java.util.concurrent.TimeUnit;

/**
 * The hard time cap of a run. Each phase asks for what is left; a daemon watchdog ends the
 * process if a phase overruns anyway, so every run finishes by itself.
 */
public final class Deadline {
    private final long endNanos;
    private final double capSeconds;

    private Deadline(double capSeconds) {
        this.capSeconds = capSeconds;
        this.endNanos = System.nanoTime() + Window.seconds(capSeconds);
    }

    /** Starts the cap now and arms the watchdog (a grace of 5 s past the cap, then exit code 4). */
    public static Deadline start(double capSeconds) {
        Deadline d = new Deadline(capSeconds);
        Thread watchdog = new Thread(() -> {
            try {
                long left;
                while ((left = d.remainingNanos() + TimeUnit.SECONDS.toNanos(5)) > 0) {
                    TimeUnit.NANOSECONDS.sleep(left);
                }
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("broker-bench: hard time cap of " + capSeconds + " s exceeded; exiting");
            System.err.flush();
            Runtime.getRuntime().halt(4);
        }, "bench-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        return d;
    }

    /** A deadline without a watchdog (tests). */
    public static Deadline unguarded(double capSeconds) {
        return new Deadline(capSeconds);
    }

    public long remainingNanos() {
        return endNanos - System.nanoTime();
    }

    public long remainingMillis() {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(remainingNanos()));
    }

    public boolean expired() {
        return remainingNanos() <= 0;
    }

    public double capSeconds() {
        return capSeconds;
    }

    /** The earlier of this deadline and {@code nanos} from now, as a nanoTime instant. */
    public long within(long nanos) {
        return System.nanoTime() + Math.min(nanos, Math.max(0, remainingNanos()));
    }
}
