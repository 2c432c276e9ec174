package dev.hubbub.core.channel;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Channel name rules: non-empty, at most 2048 chars, no leading '[' or ':', no control characters,
 * with one exception: the metachannel {@value #IDENTITY_AUDIT}, which only the broker writes to
 * ({@code dev.hubbub.core.identity.IdentityAudit}) and clients may only subscribe to.
 * A name may carry a qualifier, {@code [?rewind=10]room}: params for the subscription (RTL4k) in
 * front of the channel's own name, which follows the rules. The qualified string stays the name
 * on every frame of that subscription; the channel is the one of the base name.
 */
public final class ChannelNames {
    public static final int MAX_LENGTH = 2048;
    /** The one metachannel: each app's audit stream of identity decisions. */
    public static final String IDENTITY_AUDIT = "[meta]identity";
    /** What every metachannel's name starts with. */
    public static final String META_PREFIX = "[meta]";

    private ChannelNames() {}

    /** @return null when the name (qualified or not) is valid, else a 40010 error that says why. */
    public static ErrorInfo validate(String name) {
        if (name != null && name.startsWith("[?")) {
            int end = name.indexOf(']');
            if (end < 0) {
                return ErrorCode.INVALID_CHANNEL_NAME.info("invalid channel name: '" + shorten(name) + "' has an unclosed qualifier");
            }
            return validateBase(name.substring(end + 1));
        }
        return validateBase(name);
    }

    /** Whether a channel (base name) is a metachannel: written by the broker alone, never by a client. */
    public static boolean isMeta(String base) { return base != null && base.startsWith(META_PREFIX); }

    /** The channel a (possibly qualified) valid name is about: {@code room} for {@code [?rewind=1]room}. */
    public static String baseName(String name) {
        return name.startsWith("[?") ? name.substring(name.indexOf(']') + 1) : name;
    }

    /** The params of a valid name's qualifier ({@code rewind=1&x=y}), empty without one. */
    public static Map<String, String> qualifierParams(String name) {
        if (!name.startsWith("[?")) {
            return Map.of();
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : name.substring(2, name.indexOf(']')).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            params.put(decode(k), decode(v));
        }
        return params;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException badEscape) {
            return s;
        }
    }

    private static ErrorInfo validateBase(String name) {
        if (name == null || name.isEmpty()) {
            return ErrorCode.INVALID_CHANNEL_NAME.info("invalid channel name: the name is empty");
        }
        if (name.length() > MAX_LENGTH) {
            return ErrorCode.INVALID_CHANNEL_NAME.info("invalid channel name: longer than " + MAX_LENGTH + " characters");
        }
        if (name.equals(IDENTITY_AUDIT)) {
            return null;
        }
        char first = name.charAt(0);
        if (first == '[' || first == ':') {
            return ErrorCode.INVALID_CHANNEL_NAME.info("invalid channel name: '" + shorten(name)
                    + "' may not start with '" + first + "' (the only metachannel is '" + IDENTITY_AUDIT + "')");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                return ErrorCode.INVALID_CHANNEL_NAME.info("invalid channel name: contains a control character");
            }
        }
        return null;
    }

    private static String shorten(String s) { return s.length() > 64 ? s.substring(0, 64) + "…" : s; }
}
