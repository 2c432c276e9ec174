package dev.hubbub.core.channel;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;

/** Channel name rules: non-empty, at most 2048 chars, no leading '[' or ':', no control characters. */
public final class ChannelNames {
    public static final int MAX_LENGTH = 2048;

    private ChannelNames() {}

    /** @return null when the name is valid, else a 40010 error that says why. */
    public static ErrorInfo validate(String name) {
        if (name == null || name.isEmpty()) {
            return ErrorCode.INVALID_CHANNEL_NAME.info("invalid channel name: the name is empty");
        }
        if (name.length() > MAX_LENGTH) {
            return ErrorCode.INVALID_CHANNEL_NAME.info("invalid channel name: longer than " + MAX_LENGTH + " characters");
        }
        char first = name.charAt(0);
        if (first == '[' || first == ':') {
            return ErrorCode.INVALID_CHANNEL_NAME.info("invalid channel name: '" + shorten(name)
                    + "' may not start with '" + first + "' (qualifiers and metachannels are not supported)");
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
