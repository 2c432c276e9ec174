package dev.hubbub.core.auth;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Makes and checks signed {@link TokenRequest}s. This is the piece an application's auth server
 * needs, and it runs without a broker: give it the API key and the {@link TokenParams} for a user,
 * hand the result to the client, and the secret never leaves the auth server.
 *
 * <p>The mac is standard base64 (with padding) of HMAC-SHA256 keyed with the UTF-8 secret over the
 * UTF-8 text {@code keyName \n ttl \n capability \n clientId \n timestamp \n nonce \n}: six fields,
 * each followed by a newline, an absent field written as the empty string.
 *
 * <pre>{@code
 * ApiKey key = TokenRequestSigner.keyForSigning("app.key:secret").value();
 * TokenRequest request = new TokenRequestSigner(Clock.systemUTC())
 *         .create(key, TokenParams.forClientId("Bob")).value();
 * }</pre>
 */
public final class TokenRequestSigner {
    /** Random bytes in a generated nonce; hex-encoded that is 32 characters (Ably asks for at least 16). */
    private static final int NONCE_BYTES = 16;
    public static final int MIN_NONCE_LENGTH = 16;
    private static final String HMAC = "HmacSHA256";

    private final Clock clock;
    private final SecureRandom random;

    public TokenRequestSigner(Clock clock) {
        this(clock, new SecureRandom());
    }

    public TokenRequestSigner(Clock clock, SecureRandom random) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * An {@link ApiKey} built from {@code keyName:secret}, for signing only: an auth server does not
     * know the capability the broker configures for the key, so this one carries {@code {"*":["*"]}}
     * and the broker narrows whatever is asked for to the key's real capability.
     */
    public static Outcome<ApiKey> keyForSigning(String fullKey) {
        int colon = fullKey == null ? -1 : fullKey.indexOf(':');
        if (colon <= 0 || colon == fullKey.length() - 1) {
            return Outcome.fail(ErrorCode.INVALID_CREDENTIAL, "Invalid key: not of the form keyName:secret");
        }
        try {
            return Outcome.ok(new ApiKey(fullKey.substring(0, colon), fullKey.substring(colon + 1), Capability.ALL));
        } catch (IllegalArgumentException e) {
            return Outcome.fail(ErrorCode.INVALID_CREDENTIAL, "Invalid key: " + e.getMessage());
        }
    }

    /**
     * A signed TokenRequest for {@code params}. The timestamp is the params' or now; the nonce the
     * params' or a fresh random one. A capability is canonicalised (as both SDKs do) before signing.
     * Rejects what the broker would reject anyway: unparseable capability (40000), ttl not positive
     * (40003), empty clientId (40012), nonce shorter than 16 characters (40000), and a newline in
     * either (the signed text must split into its fields one way only). A clientId pattern is 40003:
     * the mac would not cover it, so a broker could not trust it.
     */
    public Outcome<TokenRequest> create(ApiKey key, TokenParams params) {
        Objects.requireNonNull(key, "key");
        TokenParams p = params == null ? TokenParams.DEFAULTS : params;
        if (p.ttl() != null && p.ttl() <= 0) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid value for ttl");
        }
        if (p.clientId() != null && (p.clientId().isEmpty() || p.clientId().indexOf('\n') >= 0)) {
            return Outcome.fail(ErrorCode.INVALID_CLIENT_ID, "clientId may not be empty or contain a newline");
        }
        if (p.clientIdPattern() != null) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, "A clientId pattern cannot travel in a TokenRequest (its mac does not"
                    + " cover it): issue the token with the key itself (requestToken with Basic auth, token --issue) or use a JWT");
        }
        if (p.nonce() != null && (p.nonce().length() < MIN_NONCE_LENGTH || p.nonce().indexOf('\n') >= 0)) {
            return Outcome.fail(ErrorCode.BAD_REQUEST, "nonce must be at least " + MIN_NONCE_LENGTH + " characters, without newlines");
        }
        String capability = null;
        if (p.capability() != null) {
            Outcome<Capability> parsed = Capability.parse(p.capability());
            if (!parsed.isOk()) {
                return Outcome.fail(parsed.error());
            }
            capability = parsed.value().toJson();
        }
        long timestamp = p.timestamp() != null ? p.timestamp() : clock.millis();
        String nonce = p.nonce() != null ? p.nonce() : newNonce();
        TokenRequest unsigned = new TokenRequest(key.name(), p.ttl(), capability, p.clientId(), timestamp, nonce, null);
        return Outcome.ok(unsigned.withMac(mac(key, unsigned)));
    }

    /** A random nonce: 32 hex characters. */
    public String newNonce() {
        byte[] bytes = new byte[NONCE_BYTES];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** The exact text the mac covers. Absent fields are empty strings; every field ends in a newline. */
    public static String macText(TokenRequest request) {
        StringBuilder text = new StringBuilder(128);
        text.append(orEmpty(request.keyName())).append('\n');
        text.append(request.ttl() == null ? "" : Long.toString(request.ttl())).append('\n');
        text.append(orEmpty(request.capability())).append('\n');
        text.append(orEmpty(request.clientId())).append('\n');
        text.append(request.timestamp() == null ? "" : Long.toString(request.timestamp())).append('\n');
        text.append(orEmpty(request.nonce())).append('\n');
        return text.toString();
    }

    /** The mac of {@code request} (its own mac field is ignored) under {@code key}'s secret. */
    public static String mac(ApiKey key, TokenRequest request) {
        return Base64.getEncoder().encodeToString(hmacSha256(key.secretBytes(),
                macText(request).getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code request} carries the right mac for {@code key}, compared in constant time. */
    public static boolean verify(ApiKey key, TokenRequest request) {
        if (request.mac() == null || request.mac().isEmpty()) {
            return false;
        }
        byte[] expected = mac(key, request).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, request.mac().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One Mac per thread: {@code Mac.getInstance} looks the algorithm up among the providers and
     * builds it reflectively, which cost more than the HMAC itself on a token mint or verify.
     */
    private static final ThreadLocal<Mac> MACS = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance(HMAC);
        } catch (GeneralSecurityException e) {
            // every Java runtime ships HmacSHA256; reaching this means a broken JRE
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    });

    /** HMAC-SHA256; shared with the token format so there is one place that computes one. */
    static byte[] hmacSha256(byte[] secret, byte[] message) {
        Mac mac = MACS.get();
        try {
            mac.init(new SecretKeySpec(secret, HMAC)); // init resets whatever the last use left
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 rejected its key", e);
        }
        return mac.doFinal(message);
    }

    private static String orEmpty(String s) { return s == null ? "" : s; }
}
