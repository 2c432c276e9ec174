package dev.hubbub.core.auth;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token revocations this node enforces (Ably's {@code POST /keys/{keyName}/revokeTokens}),
 * in memory: every verification of a token ({@link TokenAuthority#verify}, so new connections,
 * in-band AUTH and REST alike) asks {@link #revocation}, and {@link #onRule listeners} end the live
 * connections a new rule names. In a cluster the rules also reach every other node through a
 * {@link RevocationStore}; checking never waits for it.
 *
 * <p>A rule is kept until every token it names has expired: {@code issuedBefore} plus the longest
 * token lifetime (tokens and JWTs live at most that long: {@link TokenAuthority}), then forgotten.
 * Rules of one key and target that another rule covers at least as early and as long are dropped,
 * so repeated revocations of one clientId keep one rule or a few.
 *
 * <p>Thread-safe: rules are immutable and held in a concurrent map; listeners run on the thread
 * that added the rule (the REST route's, or the cluster store's) and must be quick.
 */
public final class TokenRevocations {
    private static final Logger log = LoggerFactory.getLogger(TokenRevocations.class);
    /** How far enforcement is postponed with {@code allowReauthMargin} (Ably: 30 s). */
    public static final long REAUTH_MARGIN_MILLIS = 30_000;
    /** How far back {@code issuedBefore} may be (Ably: an hour). */
    public static final long MAX_ISSUED_BEFORE_AGE_MILLIS = 3_600_000;
    /** Most targets in one request (Ably: 100). */
    public static final int MAX_TARGETS = 100;
    private static final long PURGE_EVERY_MILLIS = 60_000;

    /** The result of one target of a request: the rule made, or why none was. */
    public record TargetResult(String target, RevocationRule rule, ErrorInfo error) {}

    private record RuleKey(String keyName, RevocationTarget target) {}

    private final Clock clock;
    private final long longestLifetime;
    private final Map<RuleKey, List<RevocationRule>> rules = new ConcurrentHashMap<>();
    private final List<Consumer<RevocationRule>> listeners = new CopyOnWriteArrayList<>();
    private final List<Revoked> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong nextPurge = new AtomicLong();
    private volatile RevocationStore store;

    /** @param longestTokenLifetime how long any token may live (TokenSettings.maxTtl): how long a rule is kept */
    public TokenRevocations(Clock clock, Duration longestTokenLifetime) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.longestLifetime = longestTokenLifetime.toMillis();
    }

    /** Shares the rules made here with every other node (a cluster); without a store they stay on this node. */
    public void shareThrough(RevocationStore shared) { this.store = Objects.requireNonNull(shared, "shared"); }

    /** What a {@link #revoke} request made, for whoever follows requests (not rules learned from other nodes). */
    public interface Revoked {
        /**
         * @param keyName the key whose tokens were revoked
         * @param rules   the rules made (one per target that could be read)
         * @param refused how many targets could not be read
         */
        void revoked(String keyName, List<RevocationRule> rules, int refused);
    }

    /** Tells {@code listener} of every revocation request this node takes (on the requesting thread). */
    public void onRevoke(Revoked listener) { requests.add(Objects.requireNonNull(listener)); }

    /** Tells {@code listener} of every new rule (made here or learned from another node), on the adding thread. */
    public void onRule(Consumer<RevocationRule> listener) { listeners.add(Objects.requireNonNull(listener)); }

    /** The error for a token a rule revokes now (40141), or null when none does. */
    public ErrorInfo revocation(TokenClaims claims) {
        if (rules.isEmpty() || claims == null) {
            return null;
        }
        long now = clock.millis();
        purgeNowAndThen(now);
        if (claims.clientId() != null && revokes(claims, RevocationTarget.Type.CLIENT_ID, claims.clientId(), now)) {
            return revoked();
        }
        if (claims.revocationKey() != null && revokes(claims, RevocationTarget.Type.REVOCATION_KEY, claims.revocationKey(), now)) {
            return revoked();
        }
        for (String resource : claims.capability().resources().keySet()) {
            if (revokes(claims, RevocationTarget.Type.CHANNEL, resource, now)) {
                return revoked();
            }
        }
        return null;
    }

    private boolean revokes(TokenClaims claims, RevocationTarget.Type type, String value, long now) {
        List<RevocationRule> named = rules.get(new RuleKey(claims.keyName(), new RevocationTarget(type, value)));
        if (named != null) {
            for (RevocationRule r : named) {
                if (r.revokes(claims, now)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static ErrorInfo revoked() {
        return ErrorCode.TOKEN_REVOKED.info("Token revoked: a revocation names it; obtain a new token");
    }

    /**
     * Adds a rule (made here, or learned from another node or the store) and tells the listeners,
     * unless a rule already held covers it or it is already forgotten.
     *
     * @return whether it was new
     */
    public boolean add(RevocationRule rule) {
        long now = clock.millis();
        if (rule.forgetAt() <= now) {
            return false;
        }
        boolean[] added = {false};
        rules.compute(new RuleKey(rule.keyName(), rule.target()), (k, held) -> {
            if (held != null && held.stream().anyMatch(h -> rule.dominatedBy(h, now))) {
                return held;
            }
            List<RevocationRule> next = new ArrayList<>();
            if (held != null) {
                held.stream().filter(r -> !r.dominatedBy(rule, now) && r.forgetAt() > now).forEach(next::add);
            }
            next.add(rule);
            added[0] = true;
            return List.copyOf(next);
        });
        if (added[0]) {
            for (Consumer<RevocationRule> l : listeners) {
                l.accept(rule);
            }
        }
        purgeNowAndThen(now);
        return added[0];
    }

    /**
     * Revokes, for key {@code keyName} (whose holder the caller has authenticated), the tokens each
     * target names: issued at or before {@code issuedBefore} (default now), from now on, or 30 s from
     * now with {@code allowReauthMargin}. Rules apply on this node at once; the stage completes when
     * the cluster's store has them too (at once on a single node).
     *
     * <p>A request out of bounds fails as a whole (40003: no targets or more than {@value #MAX_TARGETS},
     * {@code issuedBefore} in the future or more than an hour ago), as does one the store cannot take
     * (5xxxx: this node enforces the rules, others may not; retry). A target that cannot be read
     * fails on its own (40003) and the others go ahead.
     */
    public CompletionStage<Outcome<List<TargetResult>>> revoke(String keyName, List<String> targets, Long issuedBefore,
                                                             boolean allowReauthMargin) {
        long now = clock.millis();
        if (targets.isEmpty() || targets.size() > MAX_TARGETS) {
            return done(Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid targets: give 1 to " + MAX_TARGETS + " targets"));
        }
        long before = issuedBefore == null ? now : issuedBefore;
        if (before > now) {
            return done(Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid issuedBefore: it is in the future (server time "
                    + now + ")"));
        }
        if (before < now - MAX_ISSUED_BEFORE_AGE_MILLIS) {
            return done(Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid issuedBefore: more than an hour ago (server time "
                    + now + ")"));
        }
        long appliesAt = allowReauthMargin ? now + REAUTH_MARGIN_MILLIS : now;
        long forgetAt = Math.max(before + longestLifetime, appliesAt);
        List<TargetResult> results = new ArrayList<>();
        List<RevocationRule> made = new ArrayList<>();
        Set<RevocationTarget.Type> types = EnumSet.noneOf(RevocationTarget.Type.class);
        for (String spec : targets) {
            Outcome<RevocationTarget> target = RevocationTarget.parse(spec);
            if (target.isOk()) {
                RevocationRule rule = new RevocationRule(keyName, target.value(), before, appliesAt, forgetAt);
                made.add(rule);
                types.add(rule.target().type());
                results.add(new TargetResult(spec, rule, null));
            } else {
                results.add(new TargetResult(spec, null, target.error()));
            }
        }
        made.forEach(this::add); // enforced here before anyone is told it was done
        for (Revoked r : requests) {
            r.revoked(keyName, List.copyOf(made), targets.size() - made.size());
        }
        // which tokens were revoked is the app's business: the log says how many, of which kinds, never the values
        log.info("tokens revoked: key={} targets={} types={} refused={} issuedBefore={} appliesAt={}", keyName, made.size(),
                types, targets.size() - made.size(), before, appliesAt);
        RevocationStore shared = store;
        if (shared == null || made.isEmpty()) {
            return done(Outcome.ok(results));
        }
        return shared.share(made).thenApply(stored -> {
            if (!stored.isOk()) {
                log.warn("tokens revoked on this node only: key={} code={} reason={}", keyName, stored.error().code(),
                        stored.error().message());
                ErrorInfo e = stored.error();
                return Outcome.<List<TargetResult>>fail(new ErrorInfo("Unable to revoke tokens cluster-wide (this node enforces"
                        + " the revocation, others may not; retry): " + e.message(), e.code(), e.statusCode()));
            }
            return Outcome.ok(results);
        });
    }

    /** Every rule held, for diagnostics and tests. */
    public List<RevocationRule> rules() {
        List<RevocationRule> all = new ArrayList<>();
        rules.values().forEach(all::addAll);
        return all;
    }

    /** Forgets every rule whose tokens have all expired, at most once a minute (checks are cheap either way). */
    private void purgeNowAndThen(long now) {
        long due = nextPurge.get();
        if (now < due || !nextPurge.compareAndSet(due, now + PURGE_EVERY_MILLIS)) {
            return;
        }
        purge(now);
    }

    /** Forgets every rule whose tokens have all expired by {@code now}. */
    void purge(long now) {
        for (RuleKey k : rules.keySet()) {
            rules.computeIfPresent(k, (key, held) -> {
                List<RevocationRule> kept = held.stream().filter(r -> r.forgetAt() > now).toList();
                return kept.isEmpty() ? null : kept;
            });
        }
    }

    private static <T> CompletionStage<T> done(T value) { return CompletableFuture.completedFuture(value); }
}
