package dev.hubbub.cluster;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import io.lettuce.core.RedisCommandTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For the few callers that must have Redis's answer before they go on (a TokenRequest's nonce, a
 * resume from another node): waits, bounded, and turns every failure into the error the client is
 * told. Never to be called on a Lettuce thread (the answer would wait behind the caller).
 */
final class Blocking {
    private static final Logger log = LoggerFactory.getLogger(Blocking.class);
    /** Past the command timeout Lettuce enforces itself, so its own timeout normally answers first. */
    private static final long GRACE_MILLIS = 250;

    private Blocking() {}

    /**
     * The value {@code reply} completes with (not null), or: 50003 when Redis did not answer within
     * {@code timeoutMillis} (the command may still have run), 50002 when it could not be asked.
     *
     * @param what what could not be done, for the error message: "Unable to {what}: ..."
     */
    static <T> Outcome<T> await(CompletionStage<T> reply, long timeoutMillis, String what) {
        try {
            return Outcome.ok(reply.toCompletableFuture().get(timeoutMillis + GRACE_MILLIS, TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            return timedOut(what);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RedisCommandTimeoutException) {
                return timedOut(what);
            }
            log.debug("cluster storage failed: {}", String.valueOf(e.getCause()));
            return unreachable(what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unreachable(what);
        }
    }

    static <T> Outcome<T> unreachable(String what) {
        return Outcome.fail(ErrorCode.CLUSTER_UNREACHABLE.info("Unable to " + what + ": the cluster's storage is unreachable"));
    }

    private static <T> Outcome<T> timedOut(String what) {
        return Outcome.fail(ErrorCode.TIMEOUT.info("Unable to " + what + ": the cluster's storage did not answer in time"));
    }

    /** SHA-256 of {@code s} (UTF-8), in hex: how a secret or untrusted text is named in Redis without being stored. */
    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
