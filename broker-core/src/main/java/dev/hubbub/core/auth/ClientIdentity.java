package dev.hubbub.core.auth;

import dev.hubbub.core.log.LogText;
import java.util.Objects;

/**
 * Who a client is allowed to be. One of three shapes:
 * <ul>
 *   <li>{@link Kind#IDENTIFIED}: exactly {@code clientId}; every message and presence event carries it.</li>
 *   <li>{@link Kind#WILDCARD}: no identity of its own, but may name a clientId per message: any one,
 *       or, when {@code pattern} is set (a hubbub extension), only one the pattern matches.</li>
 *   <li>{@link Kind#ANONYMOUS}: no identity and may not assume one.</li>
 * </ul>
 * A wildcard with a pattern is still a wildcard on the wire ({@link #wireClientId()} is {@code *}),
 * so the SDKs treat it exactly as any wildcard; only the broker knows the limit.
 */
public record ClientIdentity(Kind kind, String clientId, ClientIdPattern pattern) {
    public static final String WILDCARD_ID = "*";
    /** Longest clientId accepted, in UTF-16 chars. Ably documents none; this keeps frames sane. */
    public static final int MAX_CLIENT_ID_LENGTH = 256;

    public enum Kind { IDENTIFIED, WILDCARD, ANONYMOUS }

    /** A wildcard that may name any clientId. */
    public static final ClientIdentity WILDCARD = new ClientIdentity(Kind.WILDCARD, null, null);
    public static final ClientIdentity ANONYMOUS = new ClientIdentity(Kind.ANONYMOUS, null, null);

    public ClientIdentity {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.IDENTIFIED) != (clientId != null)) {
            throw new IllegalArgumentException("an identified client needs a clientId, others have none");
        }
        if (pattern != null && kind != Kind.WILDCARD) {
            throw new IllegalArgumentException("only a wildcard identity is limited by a clientId pattern");
        }
    }

    /** An identity without a pattern. */
    public ClientIdentity(Kind kind, String clientId) { this(kind, clientId, null); }

    public static ClientIdentity identified(String clientId) { return new ClientIdentity(Kind.IDENTIFIED, clientId, null); }

    /** A wildcard limited to the clientIds {@code pattern} matches; {@link #WILDCARD} when it is null. */
    public static ClientIdentity wildcard(ClientIdPattern pattern) {
        return pattern == null ? WILDCARD : new ClientIdentity(Kind.WILDCARD, null, pattern);
    }

    public boolean isIdentified() { return kind == Kind.IDENTIFIED; }

    /**
     * Whether a wildcard identity may name {@code claimed} (a well-formed clientId): always without a
     * pattern, else when the pattern matches it. False for the other kinds, which name no one else.
     */
    public boolean mayName(String claimed) {
        return kind == Kind.WILDCARD && (pattern == null || pattern.matches(claimed));
    }

    /** The value for {@code connectionDetails.clientId}: the id, {@code *}, or null (omitted) when anonymous. */
    public String wireClientId() {
        return switch (kind) {
            case IDENTIFIED -> clientId;
            case WILDCARD -> WILDCARD_ID;
            case ANONYMOUS -> null;
        };
    }

    /** For log lines: the kind, and the clientId or pattern when there is one (escaped and cut, see {@link LogText}). */
    public String describe() {
        return switch (kind) {
            case IDENTIFIED -> "IDENTIFIED(" + LogText.untrusted(clientId) + ")";
            case WILDCARD -> pattern == null ? "WILDCARD"
                    : "WILDCARD(pattern " + LogText.untrusted(pattern.toString()) + ")";
            case ANONYMOUS -> "ANONYMOUS";
        };
    }

    /** Why a clientId someone claims is not a valid clientId at all, or null when it is well formed. */
    public static String invalidReason(String claimed) {
        if (claimed == null) {
            return null;
        }
        if (claimed.isEmpty()) {
            return "clientId may not be empty";
        }
        if (WILDCARD_ID.equals(claimed)) {
            return "clientId may not be the wildcard '*'";
        }
        if (claimed.length() > MAX_CLIENT_ID_LENGTH) {
            return "clientId is longer than " + MAX_CLIENT_ID_LENGTH + " characters";
        }
        if (hasControlCharacter(claimed)) {
            return "clientId may not contain control characters";
        }
        if (!isWellFormedText(claimed)) {
            return "clientId must be valid Unicode text (no unpaired surrogate, no U+FFFE or U+FFFF)";
        }
        return null;
    }

    /** What a clientId from a credential (token, TokenRequest, JWT claim) must be, as one sentence. */
    public static final String CLIENT_ID_RULE = "a non-empty string of at most " + MAX_CLIENT_ID_LENGTH
            + " characters of valid Unicode text, without control characters";

    /**
     * Whether a clientId carried by a credential (a token's, a TokenRequest's or a JWT's; {@code "*"}
     * allowed there) is acceptable: non-empty, at most {@link #MAX_CLIENT_ID_LENGTH} chars, no
     * control character, well-formed text.
     */
    public static boolean isValidCredentialClientId(String clientId) {
        return !clientId.isEmpty() && clientId.length() <= MAX_CLIENT_ID_LENGTH && !hasControlCharacter(clientId)
                && isWellFormedText(clientId);
    }

    /**
     * False when the string holds an unpaired UTF-16 surrogate or a noncharacter U+FFFE / U+FFFF.
     * A lone surrogate has no UTF-8 encoding: a JSON client would see the escaped surrogate and a
     * MessagePack one a replacement character, so the same member would have two names.
     */
    public static boolean isWellFormedText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return false;
            }
            if (Character.isLowSurrogate(c) || c == '\uFFFE' || c == '\uFFFF') {
                return false;
            }
        }
        return true;
    }

    /** Control characters (CR, LF, NUL...) are refused in clientIds: they would forge log lines and confuse UIs. */
    public static boolean hasControlCharacter(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }
}
