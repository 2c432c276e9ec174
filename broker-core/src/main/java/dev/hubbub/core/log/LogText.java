package dev.hubbub.core.log;

/**
 * Makes text a client chose safe to put in a log line: every character that could end a line,
 * reorder what a reader sees or not be text at all is written as a visible escape, and the result
 * is cut to a fixed budget, saying how long the original was. A clientId {@code "a\r\nINFO x"}
 * logs as {@code a\r\nINFO x}, on one line; a 300,000-character one as its first characters and
 * {@code ...[300000 chars]}.
 *
 * <p>Escaped: backslash itself (so an escape in the output always means an escaped character), C0
 * controls and DEL ({@code \n \r \t}, else {@code \u0000}), C1 controls ({@code \u0085}), the line
 * and paragraph separators U+2028 / U+2029, the bidirectional overrides and isolates
 * (U+202A..U+202E, U+2066..U+2069) and unpaired surrogates. Everything else, emoji included, is kept.
 *
 * <p>Pure and thread-safe. Wrap every log argument a client could have written (clientIds,
 * channel names, key names from a request, error messages that quote them); never log token
 * strings or secrets at all, escaped or not.
 */
public final class LogText {
    /** Characters of output (escapes counted as written) before the text is cut. */
    public static final int BUDGET = 128;
    /** A larger budget, for error messages that quote client text among their own words. */
    public static final int MESSAGE_BUDGET = 256;
    /** What a null becomes. */
    public static final String NULL = "<null>";

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogText() {}

    /** {@code text} escaped and cut to {@link #BUDGET} characters; {@link #NULL} for null. */
    public static String untrusted(String text) { return untrusted(text, BUDGET); }

    /** {@code text} escaped and cut to {@code budget} characters (at least 8) of output; {@link #NULL} for null. */
    public static String untrusted(String text, int budget) {
        if (text == null) {
            return NULL;
        }
        if (budget < 8) {
            throw new IllegalArgumentException("budget must be at least 8, was " + budget);
        }
        if (text.length() <= budget && isPlain(text)) {
            return text; // the common case: nothing to escape, nothing to cut, no copy
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), budget) + 24);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int mark = out.length();
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(i + 1)); // a pair is one character: never split
                i++;
            } else {
                append(out, c);
            }
            if (out.length() > budget) {
                out.setLength(mark);
                return out.append("...[").append(text.length()).append(" chars]").toString();
            }
        }
        return out.toString();
    }

    private static boolean isPlain(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == '\\' || c >= 0x7f && needsEscape(text, i, c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean needsEscape(String text, int i, char c) {
        if (c <= 0x9f || c == '\u2028' || c == '\u2029' || c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069') {
            return true;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1));
        }
        return Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text.charAt(i - 1)));
    }

    private static void append(StringBuilder out, char c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            case '\\' -> out.append("\\\\");
            default -> {
                boolean escape = c < 0x20 || c >= 0x7f && c <= 0x9f || c == '\u2028' || c == '\u2029'
                        || c >= '\u202a' && c <= '\u202e' || c >= '\u2066' && c <= '\u2069' || Character.isSurrogate(c);
                if (escape) { // a surrogate reaching here is unpaired: pairs were taken whole
                    out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
                            .append(HEX[c & 0xf]);
                } else {
                    out.append(c);
                }
            }
        }
    }
}
