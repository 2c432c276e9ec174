package dev.hubbub.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hubbub.core.auth.RevocationRule;
import dev.hubbub.core.auth.RevocationStore;
import dev.hubbub.core.auth.RevocationTarget;
import dev.hubbub.core.auth.TokenRevocations;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import io.lettuce.core.RedisCommandTimeoutException;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token revocations shared by every node through Redis. Each API key's rules are a sorted set
 * {@code hb:rv:{keyName}} (the name escaped as channel names are) of rules as JSON, scored by when
 * each may be forgotten, on the server a hash of the key name picks; the set expires with its
 * longest-lived rule. Storing is one script ({@code revoke.lua}): it drops forgotten rules, adds the
 * new ones and publishes each on {@value #CHANNEL} of that server, so a node loading the set after
 * it ran finds them and a node listening hears them. What is stored: key names, targets (clientIds,
 * revocation keys, channel names) and times; never a token or a secret.
 *
 * <p>Every node listens on every server and adds what it hears to its {@link TokenRevocations}
 * (which ends the live connections a rule names). It loads every configured key's rules when it
 * starts, again within a second of a server becoming reachable again (pub/sub loses what was
 * published meanwhile), and every {@value #RELOAD_MILLIS} ms whatever happens (a broadcast lost
 * without the connection dropping). A rule heard twice is kept once.
 *
 * <p>Verification never waits for Redis: tokens are checked against the rules in this node's
 * memory. While a node cannot reach Redis it keeps enforcing what it knows, and learns what was
 * revoked elsewhere meanwhile when it reconnects; its clients are told to reconnect elsewhere after
 * the cluster's unreachableTimeout anyway, and publishes fail meanwhile. Revoking does wait: {@link
 * #share} completes when the script has run, with 50002 when the server is unreachable and 50003
 * when it does not answer in time (the caller retries; the revoking node enforces the rules either
 * way).
 */
public final class RedisRevocationStore implements RevocationStore {
    private static final Logger log = LoggerFactory.getLogger(RedisRevocationStore.class);
    /** The pub/sub channel revocations are broadcast on, on every server. */
    static final String CHANNEL = "hb:rv";
    /** How often every rule is loaded again, whatever happens. */
    static final long RELOAD_MILLIS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Shard> shards;
    private final TokenRevocations revocations;
    private final List<String> keyNames;
    private final Clock clock;
    private final Script revoke = Script.load("revoke.lua");
    private final long reloadMillis;
    private final boolean[] reachable;
    private volatile boolean loaded;
    private volatile long lastLoadMillis;

    /**
     * Listens on every server and loads the rules of {@code keyNames} (waiting for both, bounded by
     * the command timeout: what cannot be had now is loaded within a second of Redis answering),
     * then keeps them loaded.
     *
     * @param revocations where heard and loaded rules go (the node's token authority's)
     * @param keyNames    the API keys this node holds (every node holds the same)
     */
    public RedisRevocationStore(ClusterNode node, TokenRevocations revocations, Collection<String> keyNames, Clock clock) {
        this(node, revocations, keyNames, clock, RELOAD_MILLIS);
    }

    /** @param reloadMillis how often every rule is loaded again whatever happens (tests shorten it) */
    RedisRevocationStore(ClusterNode node, TokenRevocations revocations, Collection<String> keyNames, Clock clock,
                         long reloadMillis) {
        this.reloadMillis = reloadMillis;
        this.shards = node.shards();
        this.revocations = Objects.requireNonNull(revocations);
        this.keyNames = List.copyOf(keyNames);
        this.clock = Objects.requireNonNull(clock);
        this.reachable = new boolean[shards.size()];
        CompletableFuture<?>[] listening = new CompletableFuture<?>[shards.size()];
        for (int i = 0; i < shards.size(); i++) {
            listening[i] = shards.get(i).listen(CHANNEL, this::heard).toCompletableFuture();
            reachable[i] = shards.get(i).reachable();
        }
        Outcome<Object> ready = Blocking.await(CompletableFuture.allOf(listening).thenCompose(done -> load()),
                node.settings().commandTimeoutMillis(), "load the token revocations");
        if (!ready.isOk()) {
            log.warn("cluster node {}: {} (loaded as soon as Redis answers)", node.settings().nodeId(), ready.error().message());
        }
        node.every(1_000, this::keepLoaded);
    }

    /** Whether every key's rules have been loaded at least once (else tokens revoked elsewhere may pass here). */
    public boolean loaded() { return loaded; }

    @Override
    public CompletionStage<Outcome<Integer>> share(List<RevocationRule> rules) {
        if (rules.isEmpty()) {
            return CompletableFuture.completedFuture(Outcome.ok(0));
        }
        String keyName = rules.get(0).keyName();
        if (rules.stream().anyMatch(r -> !r.keyName().equals(keyName))) {
            throw new IllegalArgumentException("rules of one key at a time");
        }
        Shard shard = shardOf(keyName);
        if (!shard.reachable()) {
            return CompletableFuture.completedFuture(Blocking.unreachable("revoke tokens"));
        }
        List<String> args = new ArrayList<>(List.of(Long.toString(clock.millis()), CHANNEL));
        for (RevocationRule r : rules) {
            args.add(Long.toString(r.forgetAt()));
            args.add(write(r));
        }
        return shard.script(revoke, new String[] {key(keyName)}, args.toArray(String[]::new))
                .handle((reply, failure) -> {
                    if (failure == null) {
                        return Outcome.ok(((Number) reply.get(0)).intValue());
                    }
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    log.debug("revocations not stored: {}", cause.toString());
                    return cause instanceof RedisCommandTimeoutException
                            ? Outcome.fail(ErrorCode.TIMEOUT.info("Unable to revoke tokens: the cluster's storage did not answer in time"))
                            : Blocking.unreachable("revoke tokens");
                });
    }

    /** A rule broadcast by some node (Lettuce's thread: adding it hands the connections' work to their own threads). */
    private void heard(String message) {
        RevocationRule rule = read(message);
        if (rule != null) {
            revocations.add(rule);
        }
    }

    /** Every second: loads again after a server came back, after a failed load, and every reload period. */
    private void keepLoaded() {
        boolean cameBack = false;
        for (int i = 0; i < shards.size(); i++) {
            boolean now = shards.get(i).reachable();
            cameBack |= now && !reachable[i];
            reachable[i] = now;
        }
        if (cameBack || !loaded || clock.millis() - lastLoadMillis >= reloadMillis) {
            load();
        }
    }

    /** Reads every key's rules still in force and adds them; completes when all were read (failed: not loaded). */
    private CompletionStage<Object> load() {
        long now = clock.millis();
        List<CompletableFuture<?>> reads = new ArrayList<>();
        for (String keyName : keyNames) {
            Shard shard = shardOf(keyName);
            if (!shard.reachable()) {
                return CompletableFuture.failedFuture(new IllegalStateException("a Redis server is unreachable"));
            }
            reads.add(shard.async().zrangebyscore(key(keyName), "(" + now, "+inf").toCompletableFuture()
                    .thenAccept(rules -> rules.forEach(this::heard)));
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture<?>[]::new)).thenApply(done -> {
            lastLoadMillis = now;
            loaded = true;
            return "loaded";
        });
    }

    /** The sorted set of one API key's rules. */
    static String key(String keyName) { return "hb:rv:{" + RedisKeys.escape(keyName) + "}"; }

    private Shard shardOf(String keyName) { return shards.get(RedisNonceStore.shard(keyName, shards.size())); }

    static String write(RevocationRule r) {
        ObjectNode json = JSON.createObjectNode();
        json.put("k", r.keyName());
        json.put("t", r.target().spec());
        json.put("ib", r.issuedBefore());
        json.put("at", r.appliesAt());
        json.put("fa", r.forgetAt());
        return json.toString();
    }

    /** The rule a stored or broadcast text describes, or null (logged without its content) when it describes none. */
    static RevocationRule read(String text) {
        try {
            JsonNode json = JSON.readTree(text);
            Outcome<RevocationTarget> target = RevocationTarget.parse(json.path("t").asText(null));
            if (target.isOk() && json.path("k").isTextual() && json.path("ib").canConvertToLong()
                    && json.path("at").canConvertToLong() && json.path("fa").canConvertToLong()
                    && json.path("fa").asLong() >= json.path("at").asLong()) {
                return new RevocationRule(json.get("k").asText(), target.value(), json.get("ib").asLong(), json.get("at").asLong(),
                        json.get("fa").asLong());
            }
        } catch (IOException | RuntimeException e) {
            // fall through: not a rule
        }
        log.debug("a revocation that is not one was ignored");
        return null;
    }
}
