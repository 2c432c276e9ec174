package dev.hubbub.core.auth;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import java.util.Objects;

/**
 * Which tokens a revocation names (Ably's target specifier, {@code type:value}):
 * <ul>
 *   <li>{@code clientId:X}: tokens whose clientId is X (the token's own clientId: a wildcard token
 *       is matched by {@code clientId:*}, whatever clientId its connection took);</li>
 *   <li>{@code revocationKey:X}: tokens carrying revocation key X (a JWT's
 *       {@code x-ably-revocation-key} claim, or our tokens issued with TokenParams.revocationKey);</li>
 *   <li>{@code channel:X}: tokens whose capability names resource X exactly (as the broker holds it:
 *       intersected with its key's); not "every token that may use channel X".</li>
 * </ul>
 * Values are compared exactly (case-sensitive).
 */
public record RevocationTarget(Type type, String value) {
    /** Longest value accepted (a capability's resource names may be longer than a clientId). */
    public static final int MAX_VALUE_LENGTH = 1024;

    public enum Type {
        CLIENT_ID("clientId"), REVOCATION_KEY("revocationKey"), CHANNEL("channel");

        private final String wire;

        Type(String wire) { this.wire = wire; }

        public String wire() { return wire; }

        static Type of(String wire) {
            for (Type t : values()) {
                if (t.wire.equals(wire)) {
                    return t;
                }
            }
            return null;
        }
    }

    public RevocationTarget {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
    }

    /**
     * Reads {@code type:value} (split at the first colon, so a value may hold colons): an unknown
     * type, an empty value, a value with control characters or longer than {@value #MAX_VALUE_LENGTH}
     * is 40003 with the reason.
     */
    public static Outcome<RevocationTarget> parse(String spec) {
        int colon = spec == null ? -1 : spec.indexOf(':');
        if (colon <= 0) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid target: expected 'type:value', e.g. 'clientId:bob'");
        }
        String typeName = spec.substring(0, colon);
        Type type = Type.of(typeName);
        if (type == null) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid target type '" + printable(typeName)
                    + "': supported types are clientId, revocationKey and channel");
        }
        String value = spec.substring(colon + 1);
        if (value.isEmpty() || value.length() > MAX_VALUE_LENGTH || ClientIdentity.hasControlCharacter(value)) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid target value for " + type.wire
                    + ": must be 1 to " + MAX_VALUE_LENGTH + " characters, without control characters");
        }
        return Outcome.ok(new RevocationTarget(type, value));
    }

    /** The target as a client writes it: {@code type:value}. */
    public String spec() { return type.wire + ":" + value; }

    /** Whether the token {@code claims} describe is one this target names (time not considered). */
    public boolean matches(TokenClaims claims) {
        return switch (type) {
            case CLIENT_ID -> value.equals(claims.clientId());
            case REVOCATION_KEY -> value.equals(claims.revocationKey());
            case CHANNEL -> claims.capability().resources().containsKey(value);
        };
    }

    /** An untrusted type name, fit for an error message. */
    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return ClientIdentity.hasControlCharacter(cut) ? "(unprintable)" : cut;
    }

    @Override
    public String toString() { return "RevocationTarget[" + type.wire + "]"; }
}
