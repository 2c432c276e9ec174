package dev.hubbub.core.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Verifies Ably JWTs: HS256 only, header {@code kid} = the name of a key this broker holds, signed
 * with that key's secret; {@code iat} and {@code exp} in seconds; optional {@code x-ably-clientId}
 * ({@code "*"} allowed), {@code x-ably-capability} (capability JSON as a string; absent means the
 * key's whole capability, present is intersected with it) and {@code x-ably-revocation-key} (a string
 * a revocation may name the token by); and hubbub's own {@code x-hubbub-clientId-pattern} (a
 * {@link ClientIdPattern} limiting the clientIds of a wildcard JWT, so only with
 * {@code x-ably-clientId: "*"}; with any other clientId, or none, or when invalid, the JWT is refused
 * with 40144, never read as an unrestricted wildcard).
 *
 * <p>Only the signature and the claims are checked here, never expiry: callers compare
 * {@link TokenClaims#expires()} with their own clock. An {@code iat} or {@code nbf} (not before,
 * seconds) more than the skew allowance ahead of the clock is refused (40144, a token error: an SDK
 * that can renew fetches another token); a future iat would otherwise stretch the token's life past
 * the lifetime cap. A verified JWT stays valid as far as iat and nbf go, so caching it is safe; a
 * refusal is never cached. Every other algorithm, {@code none} included,
 * is refused before any key is touched; the HMAC comparison in java-jwt is constant-time.
 * Not supported: an Ably token embedded under {@code x-ably-token}, channel claims.
 */
final class AblyJwtVerifier {
    static final String CLIENT_ID_CLAIM = "x-ably-clientId";
    static final String CAPABILITY_CLAIM = "x-ably-capability";
    static final String REVOCATION_KEY_CLAIM = "x-ably-revocation-key";
    static final String CLIENT_ID_PATTERN_CLAIM = TokenJson.CLIENT_ID_PATTERN_FIELD;
    private static final String ALGORITHM = "HS256";

    private final KeyStore keys;
    private final Clock clock;
    private final long skewMillis;

    /**
     * @param clock the broker's clock, for {@code iat} and {@code nbf}
     * @param skew  how far ahead of this clock a JWT's {@code iat} or {@code nbf} may be and still be accepted (the
     *              TokenRequest timestamp window, so an issuer's clock is allowed the same drift either way)
     */
    AblyJwtVerifier(KeyStore keys, Clock clock, Duration skew) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.skewMillis = skew.toMillis();
    }

    Outcome<TokenClaims> verify(String token) {
        DecodedJWT jwt;
        try {
            jwt = JWT.decode(token);
        } catch (RuntimeException e) {
            // JWTDecodeException for malformed input; anything else from untrusted bytes fails closed too
            return invalid("undecodable");
        }
        if (!ALGORITHM.equals(jwt.getAlgorithm())) {
            return invalid("the only algorithm accepted is " + ALGORITHM);
        }
        String kid = jwt.getKeyId();
        ApiKey key = kid == null ? null : keys.find(kid).orElse(null);
        if (key == null) {
            return invalid(kid == null ? "no kid header" : "kid names no key this broker holds");
        }
        try {
            Algorithm.HMAC256(key.secretBytes()).verify(jwt);
        } catch (SignatureVerificationException e) {
            return invalid("signature does not match");
        }
        Long iat = jwt.getClaim("iat").asLong();
        Long exp = jwt.getClaim("exp").asLong();
        if (iat == null || exp == null) {
            return invalid("iat and exp are required, in seconds");
        }
        if (exp < iat) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid value for ttl: JWT exp is before iat");
        }
        long issued;
        long expires;
        try {
            issued = Math.multiplyExact(iat, 1000L);
            expires = Math.multiplyExact(exp, 1000L);
        } catch (ArithmeticException e) {
            return invalid("iat or exp out of range");
        }
        long now = clock.millis();
        if (iat > (now + skewMillis) / 1000) {
            // issued "later" to outlive the lifetime cap (exp - iat) and every revocation: refused as a token error
            return invalid("iat is in the future (" + iat + " s; server time " + now / 1000 + " s)");
        }
        Claim nbfClaim = jwt.getClaim("nbf");
        if (!nbfClaim.isMissing() && !nbfClaim.isNull()) {
            Long nbf = nbfClaim.asLong();
            if (nbf == null) {
                return invalid("nbf must be a number of seconds");
            }
            if (nbf > (now + skewMillis) / 1000) { // not yet valid, allowing the issuer's clock to run ahead
                return invalid("not valid before " + nbf + " (nbf, seconds)");
            }
        }
        Claim clientIdClaim = jwt.getClaim(CLIENT_ID_CLAIM);
        String clientId = null;
        if (!clientIdClaim.isMissing() && !clientIdClaim.isNull()) {
            clientId = clientIdClaim.asString();
            if (clientId == null || !ClientIdentity.isValidCredentialClientId(clientId)) {
                return invalid(CLIENT_ID_CLAIM + " must be " + ClientIdentity.CLIENT_ID_RULE);
            }
        }
        Claim patternClaim = jwt.getClaim(CLIENT_ID_PATTERN_CLAIM);
        ClientIdPattern pattern = null;
        if (!patternClaim.isMissing() && !patternClaim.isNull()) {
            String text = patternClaim.asString();
            if (text == null) {
                return invalid(CLIENT_ID_PATTERN_CLAIM + " must be a string");
            }
            if (!ClientIdentity.WILDCARD_ID.equals(clientId)) {
                return invalid(CLIENT_ID_PATTERN_CLAIM + " limits a wildcard token: it needs " + CLIENT_ID_CLAIM + " \"*\"");
            }
            String why = ClientIdPattern.invalidReason(text);
            if (why != null) {
                return invalid(CLIENT_ID_PATTERN_CLAIM + ": " + why);
            }
            pattern = ClientIdPattern.parse(text).value();
        }
        Claim revocationClaim = jwt.getClaim(REVOCATION_KEY_CLAIM);
        String revocationKey = null;
        if (!revocationClaim.isMissing() && !revocationClaim.isNull()) {
            revocationKey = revocationClaim.asString();
            if (revocationKey == null || revocationKey.isEmpty() || revocationKey.length() > RevocationTarget.MAX_VALUE_LENGTH
                    || ClientIdentity.hasControlCharacter(revocationKey)) {
                return invalid(REVOCATION_KEY_CLAIM + " must be a string of 1 to " + RevocationTarget.MAX_VALUE_LENGTH
                        + " characters, without control characters");
            }
        }
        Outcome<Capability> capability = capability(jwt.getClaim(CAPABILITY_CLAIM), key);
        if (!capability.isOk()) {
            return Outcome.fail(capability.error());
        }
        return Outcome.ok(new TokenClaims(key.name(), key.appId(), clientId, capability.value(), issued, expires, revocationKey,
                pattern));
    }

    private static Outcome<Capability> capability(Claim claim, ApiKey key) {
        if (claim.isMissing() || claim.isNull()) {
            return Outcome.ok(key.capability());
        }
        String json = claim.asString();
        if (json == null) {
            return invalid(CAPABILITY_CLAIM + " must be capability JSON as a string");
        }
        Outcome<Capability> requested = Capability.parse(json);
        if (!requested.isOk()) {
            return invalid(CAPABILITY_CLAIM + ": " + requested.error().message());
        }
        return Capability.intersect(requested.value(), key.capability());
    }

    private static <T> Outcome<T> invalid(String why) {
        return Outcome.fail(ErrorCode.INVALID_JWT, "Invalid JWT: " + why);
    }
}
