package dev.hubbub.core.auth;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Outcome;
import java.time.Clock;
import java.util.Objects;

/**
 * Turns presented credentials plus an optional claimed clientId into a {@link Principal}, per the
 * identity rules:
 * <pre>
 *  credential            claimed clientId   result
 *  key                   absent             WILDCARD (may name any clientId per message)
 *  key                   X                  IDENTIFIED X
 *  token for X           absent or X        IDENTIFIED X
 *  token for X           Y != X             40102
 *  token for *           absent             WILDCARD
 *  token for *           Y                  IDENTIFIED Y
 *  token for * + pattern absent             WILDCARD limited to the pattern
 *  token for * + pattern Y matching it      IDENTIFIED Y
 *  token for * + pattern Y not matching     40102 (naming the pattern)
 *  token without id      absent             ANONYMOUS
 *  token without id      Y                  40102 (the token grants no identity)
 * </pre>
 * A claimed clientId that is empty, {@code *} or too long is 40012 whatever the credential.
 */
public final class Authenticator {
    private final KeyStore keys;
    private final TokenVerifier tokens;
    private final Clock clock;

    public Authenticator(KeyStore keys, TokenVerifier tokens, Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public KeyStore keys() { return keys; }

    /** Basic auth with a full key {@code appId.keyId:secret}. */
    public Outcome<Principal> authenticateKey(String fullKey, String claimedClientId) {
        Outcome<ApiKey> key = resolveKey(fullKey);
        if (!key.isOk()) {
            return Outcome.fail(key.error());
        }
        return authenticateKey(key.value(), claimedClientId);
    }

    /** Basic auth once the key is known (REST splits name and secret itself). */
    public Outcome<Principal> authenticateKey(ApiKey key, String claimedClientId) {
        String invalid = ClientIdentity.invalidReason(claimedClientId);
        if (invalid != null) {
            return Outcome.fail(ErrorCode.INVALID_CLIENT_ID, "Invalid clientId: " + invalid);
        }
        ClientIdentity identity = claimedClientId == null ? ClientIdentity.WILDCARD : ClientIdentity.identified(claimedClientId);
        return Outcome.ok(new Principal(key.appId(), key.name(), Principal.CredentialKind.BASIC, identity,
                key.capability(), Long.MAX_VALUE));
    }

    /**
     * Checks {@code name:secret} against the store: malformed 40005, unknown or wrong secret 40101.
     * The refusal never quotes the name: when it is not a configured key it may be anything, a
     * secret included (a key written the wrong way round, {@code secret:name}), and the refusal is
     * logged and sent back; one answer for both cases also tells a prober nothing.
     */
    public Outcome<ApiKey> resolveKey(String fullKey) {
        int colon = fullKey == null ? -1 : fullKey.indexOf(':');
        if (colon <= 0 || colon == fullKey.length() - 1) {
            return Outcome.fail(ErrorCode.INVALID_CREDENTIAL, "Invalid key in request: not of the form keyName:secret");
        }
        ApiKey key = keys.find(fullKey.substring(0, colon)).orElse(null);
        if (key == null || !key.secretMatches(fullKey.substring(colon + 1))) {
            return Outcome.fail(ErrorCode.AUTHENTICATION_FAILED, "Invalid credentials: no key with that name and secret");
        }
        return Outcome.ok(key);
    }

    /** The app, and the configured key, some credentials belong to. */
    public record Attribution(String appId, String keyName) {}

    /**
     * The app and configured key refused credentials belong to, as far as that can be told without
     * trusting them: the key named in {@code name:secret} when it is a configured one (a name that
     * is not might be anything, a secret included, and is never repeated), or the key that signed a
     * token that verifies (an expired or mis-claimed one); null when nothing can be told.
     *
     * @return the app and key, or null
     */
    public Attribution attribute(String fullKey, String token) {
        if (fullKey != null) {
            int colon = fullKey.indexOf(':');
            ApiKey key = colon <= 0 ? null : keys.find(fullKey.substring(0, colon)).orElse(null);
            return key == null ? null : new Attribution(key.appId(), key.name());
        }
        if (token != null && !token.isEmpty()) {
            Outcome<TokenClaims> verified = tokens.verify(token);
            if (verified.isOk() && keys.find(verified.value().keyName()).isPresent()) {
                return new Attribution(verified.value().appId(), verified.value().keyName());
            }
        }
        return null;
    }

    /** Token auth (ours or an Ably JWT), with expiry checked against the clock. */
    public Outcome<Principal> authenticateToken(String token, String claimedClientId) {
        if (token == null || token.isEmpty()) {
            return Outcome.fail(ErrorCode.INVALID_CREDENTIAL, "Invalid accessToken in request: empty");
        }
        String invalid = ClientIdentity.invalidReason(claimedClientId);
        if (invalid != null) {
            return Outcome.fail(ErrorCode.INVALID_CLIENT_ID, "Invalid clientId: " + invalid);
        }
        Outcome<TokenClaims> verified = tokens.verify(token);
        if (!verified.isOk()) {
            return Outcome.fail(verified.error());
        }
        TokenClaims claims = verified.value();
        if (clock.millis() >= claims.expires()) {
            return Outcome.fail(ErrorCode.TOKEN_EXPIRED.info());
        }
        Outcome<ClientIdentity> identity = identityFor(claims.clientId(), claims.clientIdPattern(), claimedClientId);
        // the verifier reads our own format or an Ably JWT, so anything not ours that it accepted was a JWT
        Principal.CredentialKind kind = SignedTokenFormat.isOurs(token) ? Principal.CredentialKind.TOKEN : Principal.CredentialKind.JWT;
        return identity.map(id -> new Principal(claims.appId(), claims.keyName(), kind, id,
                claims.capability(), claims.expires(), claims));
    }

    /**
     * Whether a revocation names the token a principal authenticated with (checked again when a
     * revocation arrives, for the connections already open): 40141, or null (key auth: never).
     */
    public ErrorInfo revocation(Principal principal) {
        return principal.token() == null ? null : tokens.revocation(principal.token());
    }

    /** The identity table for token credentials; {@code pattern} is a wildcard token's clientId pattern, or null. */
    static Outcome<ClientIdentity> identityFor(String tokenClientId, ClientIdPattern pattern, String claimed) {
        if (tokenClientId == null) {
            return claimed == null
                    ? Outcome.ok(ClientIdentity.ANONYMOUS)
                    : Outcome.fail(ErrorCode.INCOMPATIBLE_CREDENTIALS,
                            "Invalid clientId for credentials: the token grants no clientId, '" + claimed + "' was claimed");
        }
        if (ClientIdentity.WILDCARD_ID.equals(tokenClientId)) {
            ClientIdentity wildcard = ClientIdentity.wildcard(pattern);
            if (claimed == null) {
                return Outcome.ok(wildcard);
            }
            return wildcard.mayName(claimed)
                    ? Outcome.ok(ClientIdentity.identified(claimed))
                    : Outcome.fail(ErrorCode.INCOMPATIBLE_CREDENTIALS, "Invalid clientId for credentials: the token allows only clientIds"
                            + " matching '" + pattern + "', '" + claimed + "' was claimed");
        }
        if (claimed == null || claimed.equals(tokenClientId)) {
            return Outcome.ok(ClientIdentity.identified(tokenClientId));
        }
        return Outcome.fail(ErrorCode.INCOMPATIBLE_CREDENTIALS,
                "Invalid clientId for credentials: the token is for '" + tokenClientId + "', '" + claimed + "' was claimed");
    }
}
