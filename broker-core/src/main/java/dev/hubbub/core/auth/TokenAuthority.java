package dev.hubbub.core.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.hubbub.core.log.LogText;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues tokens and verifies them. Tokens are self-contained ({@link SignedTokenFormat}), so any
 * node holding the same keys verifies what another node issued; Ably JWTs signed with a key's
 * secret are accepted too ({@link AblyJwtVerifier}).
 *
 * <p>Issuing enforces, in this order: the key exists (else 40101), the request is signed with it
 * (40101), it has a timestamp and a nonce of 16+ characters and no field holds a newline (40000 /
 * 40012), its timestamp is within the window of this clock (40104), its nonce has not been seen
 * for this key within the window (40105), then the token parameters: ttl positive and at most the
 * maximum (40003; default 60 minutes), capability valid JSON (40000) and intersected with the
 * key's (nothing in common: 40160), clientId not empty (40012; {@code "*"} makes a wildcard token).
 * A clientId pattern can be asked for only by a caller holding the key ({@link #issue(ApiKey, TokenParams)}).
 *
 * <p>Nonces live in a {@link NonceStore}: this node's memory by default, a store every node shares
 * in a cluster. A store that cannot say whether a nonce was seen refuses the request with its
 * 5xxxx error (fail closed): a replay is never let through because the store was down.
 *
 * <p>{@link #verify} checks signatures only; the caller ({@link Authenticator}) checks expiry against
 * its clock. A token's capability is intersected with its key's current capability on every
 * verification, so narrowing a key narrows its outstanding tokens. Verified tokens are cached by
 * their string; failures are never cached.
 *
 * <p>Revocation: every verification, cached or not, asks {@link TokenRevocations} (Ably's
 * revokeTokens rules, by clientId, revocation key or channel, for tokens issued up to a time; shared
 * by every node of a cluster) and answers 40141 for a token a rule names. Because rules are kept only
 * as long as the longest token lifetime, no token lives longer: a JWT whose exp is more than
 * {@link TokenSettings#maxTtl} after its iat is refused (40003), as our own tokens are never issued
 * so, and one whose iat is more than the skew allowance ({@link TokenSettings#timestampWindow})
 * ahead of the clock is refused (40144); rules are kept maxTtl plus that allowance. {@link #revokeTokenId} also marks one token id revoked, on this node only (an in-memory set that
 * forgets entries after the longest token lifetime).
 *
 * <p>Thread safety: safe for concurrent use from any thread; all mutable state is in Caffeine caches
 * and the nonce store.
 */
public final class TokenAuthority implements TokenVerifier {
    private static final Logger log = LoggerFactory.getLogger(TokenAuthority.class);
    private static final int TOKEN_ID_BYTES = 16;
    /** What the log says for a key name that names no configured key (the name itself may be a secret). */
    static final String UNKNOWN_KEY = "<unknown key>";

    private final KeyStore keys;
    private final Clock clock;
    private final TokenSettings settings;
    private final SecureRandom random = new SecureRandom();
    private final AblyJwtVerifier jwts;
    /** The nonce of every signed TokenRequest accepted within the replay window, per key. */
    private final NonceStore nonces;
    private final Cache<String, Verification> verified;
    /**
     * Tokens minted here and not yet presented, newest last, at most {@link #JUST_MINTED}: the first use takes
     * one out (into {@link #verified}). Apart from the verified cache, whose admission policy turns away
     * entries seen once, which every new token is.
     */
    private final Map<String, Verification> justMinted = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Verification> eldest) {
            return size() > JUST_MINTED;
        }
    });
    private final Cache<String, Boolean> revokedIds;
    private final TokenRevocations revocations;

    /** Minted tokens remembered until first presented: a few seconds of minting at thousands a second. */
    private static final int JUST_MINTED = 8192;

    /** A verified token: its claims and, for our own tokens, its id (JWTs have none). */
    private record Verification(TokenClaims claims, String tokenId) {}

    public TokenAuthority(KeyStore keys, Clock clock) {
        this(keys, clock, TokenSettings.DEFAULTS);
    }

    /** Remembers nonces on this node only ({@link LocalNonceStore}, bounded per key by the settings). */
    public TokenAuthority(KeyStore keys, Clock clock, TokenSettings settings) {
        this(keys, clock, settings, new LocalNonceStore(clock, settings.nonceCacheSize()));
    }

    /**
     * @param nonces where nonces are remembered: a cluster passes a store every node shares, so a
     *               TokenRequest exchanged on one node is a replay on every other
     */
    public TokenAuthority(KeyStore keys, Clock clock, TokenSettings settings, NonceStore nonces) {
        this(keys, clock, settings, nonces, new TokenRevocations(clock, settings.maxTtl().plus(settings.timestampWindow())));
    }

    /**
     * @param revocations the revocations verification enforces (a cluster shares them through a
     *                    {@link RevocationStore}); they must keep rules at least {@code settings.maxTtl()} plus
     *                    {@code settings.timestampWindow()} (the longest a JWT whose issuer's clock runs ahead may live)
     */
    public TokenAuthority(KeyStore keys, Clock clock, TokenSettings settings, NonceStore nonces, TokenRevocations revocations) {
        this.revocations = Objects.requireNonNull(revocations, "revocations");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.jwts = new AblyJwtVerifier(keys, clock, settings.timestampWindow());
        Ticker ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
        // executor(Runnable::run): Caffeine's upkeep (eviction, expiry) on the calling thread, in small
        // amortised steps, rather than a task handed to the common pool and a thread woken for it on
        // every few writes: a token-per-connection storm adds an entry per connect (~10% of its CPU)
        this.verified = Caffeine.newBuilder().executor(Runnable::run).maximumSize(settings.verifiedCacheSize()).build();
        this.revokedIds = Caffeine.newBuilder()
                .executor(Runnable::run)
                .ticker(ticker)
                .expireAfterWrite(settings.maxTtl())
                .build();
    }

    public TokenSettings settings() { return settings; }

    /**
     * The answer to a token request for a key this broker does not hold (40101): the same whether
     * the request is refused here or, before its body is read, at the listener.
     */
    public static ErrorInfo unknownKey() {
        return ErrorCode.AUTHENTICATION_FAILED.info("No key named in the TokenRequest is known");
    }

    /** The revocations this authority enforces (Ably's revokeTokens), shared with whoever revokes. */
    public TokenRevocations revocations() { return revocations; }

    /**
     * Exchanges a signed TokenRequest (sent without other credentials) for a token. May block while
     * the {@link NonceStore} answers (a shared store: up to its command timeout).
     */
    public Outcome<TokenDetails> issue(TokenRequest request) {
        if (request == null) {
            return reject(UNKNOWN_KEY, ErrorCode.BAD_REQUEST.info("No TokenRequest given"));
        }
        ApiKey key = request.keyName() == null ? null : keys.find(request.keyName()).orElse(null);
        if (key == null) {
            // a name that is no configured key is never logged: it may be a secret put where the name belongs
            return reject(UNKNOWN_KEY, unknownKey());
        }
        if (request.mac() == null || request.mac().isEmpty()) {
            return reject(key.name(), ErrorCode.AUTHENTICATION_FAILED.info("TokenRequest is not signed (no mac)"));
        }
        if (!TokenRequestSigner.verify(key, request)) {
            return reject(key.name(), ErrorCode.AUTHENTICATION_FAILED.info("TokenRequest mac does not match"));
        }
        if (request.timestamp() == null) {
            return reject(key.name(), ErrorCode.BAD_REQUEST.info("TokenRequest has no timestamp"));
        }
        if (request.nonce() == null || request.nonce().length() < TokenRequestSigner.MIN_NONCE_LENGTH
                || request.nonce().indexOf('\n') >= 0) {
            return reject(key.name(), ErrorCode.BAD_REQUEST.info("TokenRequest nonce must be at least "
                    + TokenRequestSigner.MIN_NONCE_LENGTH + " characters, without newlines"));
        }
        // The signed text separates fields with newlines. With a newline allowed in no field, a text
        // splits into fields one way only, so nobody can re-split what an auth server signed (for
        // instance a clientId "X\nY" into capability "\nX" and clientId "Y").
        if (request.clientId() != null && request.clientId().indexOf('\n') >= 0) {
            return reject(key.name(), ErrorCode.INVALID_CLIENT_ID.info("Invalid clientId: may not contain a newline"));
        }
        if (request.capability() != null && request.capability().indexOf('\n') >= 0) {
            return reject(key.name(), ErrorCode.BAD_REQUEST.info("Invalid capability: may not contain a newline"));
        }
        long now = clock.millis();
        long window = settings.timestampWindow().toMillis();
        if (request.timestamp() < now - window || request.timestamp() > now + window) {
            return reject(key.name(), ErrorCode.TIMESTAMP_NOT_CURRENT.info(
                    "Timestamp not current: TokenRequest timestamp is more than "
                            + settings.timestampWindow().toSeconds() + " s from the server's time"));
        }
        // a nonce must outlive every timestamp that could still pass the window check: a request stamped t is
        // accepted until now = t + window, and can first arrive at t - window
        Outcome<Boolean> first = nonces.firstUse(key.name(), request.nonce(), 2 * window);
        if (!first.isOk()) {
            return reject(key.name(), first.error()); // fail closed: a nonce nobody can vouch for is not accepted
        }
        if (!first.value()) {
            return reject(key.name(), ErrorCode.NONCE_REPLAYED.info());
        }
        return mint(key, request.ttl(), request.capability(), request.clientId(), null, null);
    }

    /**
     * Issues a token for a caller already authenticated with {@code key} itself (basic auth on
     * requestToken, or an operator minting a token on the command line). Same ttl, capability and
     * clientId rules as a signed request; {@code timestamp} and {@code nonce} are not needed. A
     * {@code revocationKey} (1 to {@value RevocationTarget#MAX_VALUE_LENGTH} characters, no control
     * characters; else 40003) is signed into the token, so a revocation may name it. So is a
     * {@code clientIdPattern} ({@link ClientIdPattern}), which needs clientId {@code "*"} in the same
     * params (else 40003, as is an invalid pattern): the token is a wildcard token to the SDKs, but
     * every clientId it names must match the pattern.
     */
    public Outcome<TokenDetails> issue(ApiKey key, TokenParams params) {
        Objects.requireNonNull(key, "key");
        TokenParams p = params == null ? TokenParams.DEFAULTS : params;
        String revocationKey = p.revocationKey();
        if (revocationKey != null && (revocationKey.isEmpty() || revocationKey.length() > RevocationTarget.MAX_VALUE_LENGTH
                || ClientIdentity.hasControlCharacter(revocationKey))) {
            return reject(key.name(), ErrorCode.INVALID_PARAMETER.info("Invalid revocationKey: must be 1 to "
                    + RevocationTarget.MAX_VALUE_LENGTH + " characters, without control characters"));
        }
        String pattern = p.clientIdPattern();
        if (pattern != null) {
            if (!ClientIdentity.WILDCARD_ID.equals(p.clientId())) {
                return reject(key.name(), ErrorCode.INVALID_PARAMETER.info("Invalid clientIdPattern: a clientId pattern needs clientId '*'"
                        + " in the same params (a pattern limits a wildcard token), not " + (p.clientId() == null ? "none" : "'" + p.clientId() + "'")));
            }
            Outcome<ClientIdPattern> parsed = ClientIdPattern.parse(pattern);
            if (!parsed.isOk()) {
                return reject(key.name(), parsed.error());
            }
        }
        return mint(key, p.ttl(), p.capability(), p.clientId(), revocationKey, pattern);
    }

    private Outcome<TokenDetails> mint(ApiKey key, Long ttl, String capabilityJson, String clientId, String revocationKey,
                                       String clientIdPattern) {
        long lifetime = ttl == null ? settings.defaultTtl().toMillis() : ttl;
        if (lifetime <= 0 || lifetime > settings.maxTtl().toMillis()) {
            return reject(key.name(), ErrorCode.INVALID_PARAMETER.info("Invalid value for ttl"));
        }
        if (clientId != null && !ClientIdentity.isValidCredentialClientId(clientId)) {
            return reject(key.name(), ErrorCode.INVALID_CLIENT_ID.info("Invalid clientId: must be " + ClientIdentity.CLIENT_ID_RULE));
        }
        Capability capability = key.capability();
        if (capabilityJson != null && !capabilityJson.isEmpty()) {
            Outcome<Capability> granted = Capability.parse(capabilityJson)
                    .flatMap(requested -> Capability.intersect(requested, key.capability()));
            if (!granted.isOk()) {
                return reject(key.name(), granted.error());
            }
            capability = granted.value();
        }
        long issued = clock.millis();
        long expires = issued + lifetime;
        SignedTokenFormat.Contents contents = new SignedTokenFormat.Contents(
                newTokenId(), key.name(), clientId, capability.toJson(), issued, expires, revocationKey, clientIdPattern);
        String token = SignedTokenFormat.encode(key, contents);
        if (settings.verifiedCacheSize() > 0) {
            // a token is usually presented where it was issued, soon after: known now, it is not decoded and its
            // signature not checked at that use (revocation still is). Its capability is already within the key's.
            ClientIdPattern pattern = clientIdPattern == null ? null : ClientIdPattern.parse(clientIdPattern).value();
            justMinted.put(token, new Verification(new TokenClaims(key.name(), key.appId(), clientId, capability, issued,
                    expires, revocationKey, pattern), contents.id()));
        }
        return Outcome.ok(new TokenDetails(token, key.name(), issued, expires, contents.capability(), clientId));
    }

    /**
     * Verifies one of our tokens or an Ably JWT: 40143 for anything unrecognised (garbage, a key this
     * broker does not hold), 40145 for a bad signature on our format, 40144 for a JWT that fails any
     * check (an iat ahead of the clock included), 40003 for a JWT whose exp precedes its iat or
     * follows it, or now, by more than the longest token lifetime, 40141 for a revoked token (checked on every call, cached or not), 40160 when the
     * token's capability no longer has anything in common with its key's. Expiry is not checked.
     */
    @Override
    public Outcome<TokenClaims> verify(String token) {
        if (token == null || token.isEmpty() || token.length() > SignedTokenFormat.MAX_TOKEN_LENGTH) {
            return Outcome.fail(ErrorCode.TOKEN_UNRECOGNISED.info("Token unrecognised"));
        }
        Verification known = verified.getIfPresent(token);
        if (known == null && (known = justMinted.remove(token)) != null) {
            verified.put(token, known);
        }
        if (known == null) {
            Outcome<Verification> fresh = verifyUncached(token);
            if (!fresh.isOk()) {
                log.debug("token rejected: code={} reason={}", fresh.error().code(),
                        LogText.untrusted(fresh.error().message(), LogText.MESSAGE_BUDGET));
                return Outcome.fail(fresh.error());
            }
            known = fresh.value();
            if (settings.verifiedCacheSize() > 0) { // size 0 means no cache (Caffeine would still hold entries until it evicts)
                verified.put(token, known);
            }
        }
        if (known.tokenId() != null && revokedIds.getIfPresent(known.tokenId()) != null) {
            return Outcome.fail(ErrorCode.TOKEN_REVOKED.info());
        }
        ErrorInfo revoked = revocations.revocation(known.claims());
        if (revoked != null) {
            return Outcome.fail(revoked);
        }
        return Outcome.ok(known.claims());
    }

    /** 40141 when a revocation now names the token these claims (verified earlier) describe, else null. */
    @Override
    public ErrorInfo revocation(TokenClaims claims) { return revocations.revocation(claims); }

    private Outcome<Verification> verifyUncached(String token) {
        if (SignedTokenFormat.isOurs(token)) {
            return SignedTokenFormat.decode(token, keys).flatMap(TokenAuthority::claimsOf);
        }
        if (token.chars().filter(c -> c == '.').count() == 2) {
            return jwts.verify(token).flatMap(this::boundedLifetime).map(claims -> new Verification(claims, null));
        }
        return Outcome.fail(ErrorCode.TOKEN_UNRECOGNISED.info("Token unrecognised"));
    }

    /**
     * A JWT may live no longer than our own tokens: exp - iat at most maxTtl. As its iat may be at
     * most the skew allowance ahead of the clock ({@link AblyJwtVerifier}), it lives at most maxTtl
     * plus that allowance from now, and revocations are remembered that long.
     */
    private Outcome<TokenClaims> boundedLifetime(TokenClaims claims) {
        long max = settings.maxTtl().toMillis();
        if (claims.expires() - claims.issued() > max) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER.info("Invalid value for ttl: a JWT may live at most "
                    + settings.maxTtl().toMinutes() + " minutes (exp - iat)"));
        }
        return Outcome.ok(claims);
    }

    private static Outcome<Verification> claimsOf(SignedTokenFormat.Verified token) {
        SignedTokenFormat.Contents c = token.contents();
        Outcome<Capability> signed = Capability.parse(c.capability());
        if (!signed.isOk()) {
            return Outcome.fail(ErrorCode.INVALID_TOKEN.info("Invalid token: malformed capability"));
        }
        // the format has checked the pattern; parsed here once, so every connection with the token shares it
        ClientIdPattern pattern = c.clientIdPattern() == null ? null : ClientIdPattern.parse(c.clientIdPattern()).value();
        return Capability.intersect(signed.value(), token.key().capability())
                .map(capability -> new Verification(new TokenClaims(token.key().name(), token.key().appId(),
                        c.clientId(), capability, c.issued(), c.expires(), c.revocationKey(), pattern), c.id()));
    }

    /** The revocation id of one of our tokens whose signature is valid; empty for JWTs and garbage. */
    public Optional<String> tokenIdOf(String token) {
        if (token == null || token.length() > SignedTokenFormat.MAX_TOKEN_LENGTH || !SignedTokenFormat.isOurs(token)) {
            return Optional.empty();
        }
        Outcome<SignedTokenFormat.Verified> decoded = SignedTokenFormat.decode(token, keys);
        return decoded.isOk() ? Optional.of(decoded.value().contents().id()) : Optional.empty();
    }

    /** Marks a token id revoked on this node: later verifications of that token answer 40141. */
    public void revokeTokenId(String tokenId) {
        revokedIds.put(Objects.requireNonNull(tokenId, "tokenId"), Boolean.TRUE);
    }

    private String newTokenId() {
        byte[] bytes = new byte[TOKEN_ID_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** @param keyName a configured key's name, or {@link #UNKNOWN_KEY} */
    private static <T> Outcome<T> reject(String keyName, ErrorInfo error) {
        log.info("token request rejected: key={} code={} reason={}", keyName, error.code(),
                LogText.untrusted(error.message(), LogText.MESSAGE_BUDGET));
        return Outcome.fail(error);
    }
}
