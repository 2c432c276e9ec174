package dev.hubbub.bench.report;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Prints one progress line a second to stderr (its own daemon thread) until closed. */
public final class Progress implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-progress");
        t.setDaemon(true);
        return t;
    });
    private final long t0 = System.nanoTime();
    private final PrintStream out;
    private volatile Supplier<String> line;

    public Progress(PrintStream out, Supplier<String> line) {
        this.out = out;
        this.line = line;
        timer.scheduleAtFixedRate(this::print, 1, 1, TimeUnit.SECONDS);
    }

    /** Switches what is printed (a new phase of the run). */
    public void show(Supplier<String> next) {
        this.line = next;
    }

    private void print() {
        try {
            out.printf("[%5.1fs] %s%n", (System.nanoTime() - t0) / 1e9, line.get());
        } catch (RuntimeException e) {
            out.println("progress: " + e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
