package dev.hubbub.core.auth;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import java.util.List;
import java.util.Objects;

/**
 * The clientIds a wildcard credential may name, when it may not name every one: a hubbub extension
 * carried by a {@code "*"} token or JWT. Immutable; parsed once, matched without allocation.
 *
 * <p>Syntax. A pattern is text split into segments by {@code :}. The only special character is
 * {@code *}, and it is special in two places only:
 * <ul>
 *   <li>as the <em>last character</em> of the pattern, it stands for one or more characters of any
 *       kind, {@code :} included: {@code bot-*} matches {@code bot-7} and {@code bot-eu:7}, and
 *       {@code support:*} matches {@code support:ann} and {@code support:eu:ann}, but neither
 *       matches its bare prefix ({@code bot-}, {@code support:});</li>
 *   <li>as a <em>whole segment</em> before the last one, it stands for exactly one segment of one or
 *       more characters other than {@code :}: {@code tenant:*:agent} matches
 *       {@code tenant:acme:agent}, not {@code tenant:acme:eu:agent} nor {@code tenant::agent}.</li>
 * </ul>
 * Everything else is literal and compared exactly (case-sensitive). A {@code *} anywhere else
 * ({@code a*b}, {@code bot-*:x}, {@code **}) makes the pattern invalid rather than literal, so the
 * syntax can grow later without changing what an existing pattern means. There is no escape: a
 * clientId with a literal {@code *} is matched only by a trailing {@code *}.
 *
 * <p>Refused: empty; a lone {@code *} (it restricts nothing: a wildcard without a pattern already
 * means every clientId, and one spelling per meaning avoids a token that looks restricted and is
 * not); longer than {@link ClientIdentity#MAX_CLIENT_ID_LENGTH}; control characters; text that is
 * not valid Unicode. A pattern without any {@code *} is allowed and matches that one clientId.
 */
public final class ClientIdPattern {
    /** What a valid pattern is, as one sentence for error messages. */
    public static final String RULE = "text of at most " + ClientIdentity.MAX_CLIENT_ID_LENGTH
            + " characters, without control characters, where '*' may only end the pattern (any rest)"
            + " or stand for a whole ':'-separated segment (one segment); a lone '*' is refused";

    private static final char ANY = '*';
    private static final char SEPARATOR = ':';

    private final String text;
    /** Segments before the last: each a literal or {@code "*"} (one segment). */
    private final List<String> leading;
    /** The last segment without its trailing {@code *}, when it has one. */
    private final String last;
    private final boolean openEnded;

    private ClientIdPattern(String text, List<String> leading, String last, boolean openEnded) {
        this.text = text;
        this.leading = leading;
        this.last = last;
        this.openEnded = openEnded;
    }

    /** Parses a pattern: the pattern, or 40003 naming what is wrong with it. */
    public static Outcome<ClientIdPattern> parse(String text) {
        String invalid = invalidReason(text);
        if (invalid != null) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid clientId pattern: " + invalid);
        }
        String[] segments = text.split(String.valueOf(SEPARATOR), -1);
        String tail = segments[segments.length - 1];
        boolean openEnded = tail.endsWith(String.valueOf(ANY));
        return Outcome.ok(new ClientIdPattern(text, List.of(segments).subList(0, segments.length - 1),
                openEnded ? tail.substring(0, tail.length() - 1) : tail, openEnded));
    }

    /** Why {@code text} is not a valid pattern, or null when it is one. */
    public static String invalidReason(String text) {
        if (text == null || text.isEmpty()) {
            return "may not be empty";
        }
        if (String.valueOf(ANY).equals(text)) {
            return "a lone '*' restricts nothing (omit the pattern for a wildcard that may name any clientId)";
        }
        if (text.length() > ClientIdentity.MAX_CLIENT_ID_LENGTH) {
            return "longer than " + ClientIdentity.MAX_CLIENT_ID_LENGTH + " characters";
        }
        if (ClientIdentity.hasControlCharacter(text)) {
            return "may not contain control characters";
        }
        if (!ClientIdentity.isWellFormedText(text)) {
            return "must be valid Unicode text";
        }
        String[] segments = text.split(String.valueOf(SEPARATOR), -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            int star = s.indexOf(ANY);
            if (star < 0 || s.equals(String.valueOf(ANY))) {
                continue;
            }
            boolean endsThePattern = i == segments.length - 1 && star == s.length() - 1;
            if (!endsThePattern) {
                return "'*' may only end the pattern or be a whole ':'-separated segment, not part of '" + s + "'";
            }
        }
        return null;
    }

    /** Whether {@code clientId} is one this pattern allows. */
    public boolean matches(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        int at = 0;
        for (String segment : leading) {
            int end = clientId.indexOf(SEPARATOR, at);
            if (end < 0) {
                return false;
            }
            boolean fits = String.valueOf(ANY).equals(segment)
                    ? end > at
                    : end - at == segment.length() && clientId.startsWith(segment, at);
            if (!fits) {
                return false;
            }
            at = end + 1;
        }
        if (!clientId.startsWith(last, at)) {
            return false;
        }
        int rest = clientId.length() - at - last.length();
        return openEnded ? rest > 0 : rest == 0;
    }

    /** The pattern as written. */
    @Override
    public String toString() { return text; }

    @Override
    public boolean equals(Object o) { return o instanceof ClientIdPattern p && p.text.equals(text); }

    @Override
    public int hashCode() { return text.hashCode(); }
}
