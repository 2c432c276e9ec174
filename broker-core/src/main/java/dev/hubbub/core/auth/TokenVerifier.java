package dev.hubbub.core.auth;

import dev.hubbub.core.protocol.Outcome;

/**
 * Verifies a token string presented by a client (realtime {@code access_token}/{@code accessToken},
 * REST {@code Bearer}, in-band AUTH). Expiry is checked by the caller against its own clock, so
 * a verifier may cache results.
 */
public interface TokenVerifier {
    /** Returns the claims of a valid, unexpired-or-not token, or a 4014x error (40140..40145). */
    Outcome<TokenClaims> verify(String token);

    /**
     * Whether a token verified earlier (its claims) has been revoked since: the 40141 error, or null.
     * Live connections are checked with it when a revocation arrives. None by default.
     */
    default dev.hubbub.core.protocol.ErrorInfo revocation(TokenClaims claims) { return null; }

    /** A verifier that accepts no token at all. */
    TokenVerifier NONE = token -> Outcome.fail(dev.hubbub.core.protocol.ErrorCode.TOKEN_UNRECOGNISED.info("Token auth is not enabled"));
}
