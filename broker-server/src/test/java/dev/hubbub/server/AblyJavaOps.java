package dev.hubbub.server;

import static org.awaitility.Awaitility.await;

import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ErrorInfo;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** ably-java operations that take a CompletionListener, as futures and bounded waits (end-to-end tests). */
public final class AblyJavaOps {
    /** How long a test waits for an operation to complete. */
    public static final Duration TIMEOUT = Duration.ofSeconds(20);

    private AblyJavaOps() {}

    /** An operation that takes a CompletionListener. */
    public interface Op {
        void run(CompletionListener listener) throws AblyException;
    }

    /** Starts an operation; completes with null on success, else with the error. */
    public static CompletableFuture<ErrorInfo> completion(Op op) throws AblyException {
        CompletableFuture<ErrorInfo> done = new CompletableFuture<>();
        op.run(new CompletionListener() {
            @Override
            public void onSuccess() { done.complete(null); }

            @Override
            public void onError(ErrorInfo reason) {
                done.complete(reason == null ? new ErrorInfo("failed without a reason", 0) : reason);
            }
        });
        return done;
    }

    /** Runs an operation and waits for it: null on success, else the error. */
    public static ErrorInfo outcome(Op op) throws AblyException {
        CompletableFuture<ErrorInfo> done = completion(op);
        await().atMost(TIMEOUT).until(done::isDone);
        return done.join();
    }

    /** As {@link #outcome}, failing the test when the operation failed. */
    public static void succeeds(Op op) throws AblyException {
        ErrorInfo error = outcome(op);
        if (error != null) {
            throw new AssertionError("failed: " + error.code + " " + error.message);
        }
    }
}
