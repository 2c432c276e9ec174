package dev.hubbub.core.auth;

import dev.hubbub.core.protocol.Outcome;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where revocations are shared with the other nodes of a cluster (broker-cluster's
 * {@code RedisRevocationStore}): stored, so a node that starts later loads them, and broadcast, so
 * every running node adds them to its {@link TokenRevocations} at once. A single node has no store:
 * its {@link TokenRevocations} is the whole truth.
 *
 * <p>Verification never waits for a store: every node checks tokens against the rules in its own
 * memory. Only revoking does, and a store that cannot take the rules says so (5xxxx): the caller is
 * told to retry, never that the revocation reached every node when it may not have.
 */
public interface RevocationStore {
    /**
     * Stores and broadcasts {@code rules} (all of one key). Does not block: completes with how many
     * were stored, or a 5xxxx error (50002 unreachable, 50003 no answer in time).
     */
    CompletionStage<Outcome<Integer>> share(List<RevocationRule> rules);
}
