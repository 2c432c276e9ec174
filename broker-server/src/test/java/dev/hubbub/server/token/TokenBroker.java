package dev.hubbub.server.token;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import dev.hubbub.core.auth.ApiKey;
import dev.hubbub.core.auth.Capability;
import dev.hubbub.core.auth.KeyStore;
import dev.hubbub.core.auth.TokenAuthority;
import dev.hubbub.core.auth.TokenParams;
import dev.hubbub.core.auth.TokenRequest;
import dev.hubbub.core.auth.TokenRequestSigner;
import dev.hubbub.core.identity.Provenance;
import dev.hubbub.core.session.Limits;
import dev.hubbub.server.BrokerApp;
import dev.hubbub.server.config.BrokerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A real broker on 127.0.0.1 and a free port, plus an "auth server" that mints credentials with the
 * same key: a separate {@link TokenAuthority} (tokens are self-contained, so the broker verifies
 * what another node issued), a {@link TokenRequestSigner}, and HS256 JWTs made with java-jwt.
 */
final class TokenBroker implements AutoCloseable {
    static final String APP_ID = "tok1";
    static final String KEY_NAME = APP_ID + ".main";
    static final String SECRET = "main-secret-for-tokens";
    static final String FULL_KEY = KEY_NAME + ":" + SECRET;

    final ApiKey key = new ApiKey(KEY_NAME, SECRET, Capability.ALL);
    private final KeyStore keys = new KeyStore(List.of(key));
    /** The auth server's own authority: same key, its own process as far as the broker knows. */
    final TokenAuthority authServer;
    final TokenRequestSigner signer;
    private final BrokerApp app;
    private final int port;

    TokenBroker() throws InterruptedException { this(Clock.systemUTC()); }

    /** The broker and the auth server both on {@code clock} (a hand-driven one for expiry on a live connection). */
    TokenBroker(Clock clock) throws InterruptedException { this(clock, Provenance.OFF); }

    /** With provenance headers where {@code provenance} says. */
    TokenBroker(Provenance provenance) throws InterruptedException { this(Clock.systemUTC(), provenance); }

    private TokenBroker(Clock clock, Provenance provenance) throws InterruptedException {
        authServer = new TokenAuthority(keys, clock);
        signer = new TokenRequestSigner(clock);
        BrokerConfig config = new BrokerConfig("127.0.0.1", 0, List.of(key), Limits.defaults(), 8L * 1024 * 1024, 1)
                .withProvenance(provenance);
        app = new BrokerApp(config, clock, new SimpleMeterRegistry());
        port = app.start().getPort();
    }

    int port() { return port; }

    BrokerApp app() { return app; }

    URI realtime(String query) { return URI.create("ws://127.0.0.1:" + port + "/?" + query); }

    URI rest(String path) { return URI.create("http://127.0.0.1:" + port + path); }

    /** A token string made by the auth server; {@code clientId} null = anonymous, "*" = wildcard. */
    String token(String clientId) { return token(clientId, null, null); }

    String token(String clientId, Long ttl, String capability) {
        return authServer.issue(key, new TokenParams(ttl, capability, clientId, null, null)).value().token();
    }

    /** A wildcard token limited to the clientIds {@code pattern} matches, made by the auth server with the key. */
    String patternToken(String pattern) {
        return authServer.issue(key, TokenParams.forClientIdPattern(pattern)).value().token();
    }

    /** A wildcard JWT limited by hubbub's {@code x-hubbub-clientId-pattern} claim. */
    String patternJwt(String pattern) {
        return baseJwt().withClaim("x-ably-clientId", "*").withClaim("x-hubbub-clientId-pattern", pattern)
                .sign(Algorithm.HMAC256(SECRET.getBytes(StandardCharsets.UTF_8)));
    }

    /** A token that expired a minute ago (issued by an authority whose clock runs an hour behind). */
    String expiredToken(String clientId) {
        TokenAuthority past = new TokenAuthority(keys, Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)));
        return past.issue(key, new TokenParams(Duration.ofMinutes(59).toMillis(), null, clientId, null, null)).value().token();
    }

    /** A signed TokenRequest made by our own signer. */
    TokenRequest tokenRequest(TokenParams params) { return signer.create(key, params).value(); }

    /** An Ably JWT, HS256 with kid = key name, valid for an hour; clientId / capability claims when not null. */
    String jwt(String clientId, String capability) {
        JWTCreator.Builder b = baseJwt();
        if (clientId != null) {
            b.withClaim("x-ably-clientId", clientId);
        }
        if (capability != null) {
            b.withClaim("x-ably-capability", capability);
        }
        return b.sign(Algorithm.HMAC256(SECRET.getBytes(StandardCharsets.UTF_8)));
    }

    /** The same JWT but unsigned, {@code "alg":"none"}. */
    String unsignedJwt(String clientId) {
        return baseJwt().withClaim("x-ably-clientId", clientId).sign(Algorithm.none());
    }

    /** A JWT signed with the wrong secret. */
    String forgedJwt(String clientId) {
        return baseJwt().withClaim("x-ably-clientId", clientId)
                .sign(Algorithm.HMAC256("not-the-secret".getBytes(StandardCharsets.UTF_8)));
    }

    private static JWTCreator.Builder baseJwt() {
        Instant now = Instant.now();
        return JWT.create().withKeyId(KEY_NAME).withIssuedAt(now).withExpiresAt(now.plus(Duration.ofHours(1)));
    }

    static String channel(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    @Override
    public void close() { app.close(); }
}
