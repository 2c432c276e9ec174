package dev.hubbub.core.history;

import dev.hubbub.core.channel.ChannelKey;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.Flags;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import dev.hubbub.core.protocol.Outcome;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What follows an ATTACHED, decided from the ATTACH and the channel's log:
 * <ul>
 *   <li>with a {@code channelSerial} (a client re-attaching after a reconnect, or recovering):
 *       every message after it, flagged RESUMED, or, when the log no longer has them all, none,
 *       without RESUMED and with 90003, so the SDK reports the discontinuity;</li>
 *   <li>else with the {@code rewind} param (RTL4k): the last N messages ({@code "10"}) or those of
 *       the last N seconds or minutes ({@code "30s"}, {@code "2m"}), at most {@value #MAX_REWIND};</li>
 *   <li>else nothing.</li>
 * </ul>
 * A channelSerial wins over rewind: only the first attach rewinds.
 */
public final class AttachReplay {
    public static final int MAX_REWIND = 100;
    private static final Pattern REWIND = Pattern.compile("(\\d{1,9})([sm]?)");

    /** What to tell and replay: whether continuity held, an error for the ATTACHED (or null), the params to echo. */
    public record Plan(boolean resumed, List<Message> replay, ErrorInfo notice, Map<String, String> params) {
        /** A re-ATTACH on a transport attached already: continuity never broke, nothing to replay. */
        public static final Plan CONTINUING = new Plan(true, List.of(), null, null);

        /** This plan with {@code more} params echoed in the ATTACHED besides its own (the broker's other channel params). */
        public Plan echoing(Map<String, String> more) {
            if (more.isEmpty()) {
                return this;
            }
            Map<String, String> all = new java.util.LinkedHashMap<>();
            if (params != null) {
                all.putAll(params);
            }
            all.putAll(more);
            return new Plan(resumed, replay, notice, Map.copyOf(all));
        }

        /**
         * Sends the ATTACHED and then the replay (to a subscriber holding SUBSCRIBE).
         *
         * @param flags         the granted modes and HAS_PRESENCE; RESUMED is added here
         * @param currentSerial the channel's position now
         * @param noEchoFor     a connection that asked not to get its own messages back, or null
         */
        public void send(String name, int flags, String currentSerial, String noEchoFor, Consumer<ProtocolMessage> send) {
            // the SDK keeps the ATTACHED's serial (RTL15b): with a replay to follow it must be the position before the
            // replay, or a drop in the middle of the replay would make the next resume skip the rest of it
            String serial = replay.isEmpty() ? currentSerial : ChannelSerial.before(replay.get(0).serial());
            send.accept(ProtocolMessage.attached(name, flags | (resumed ? Flags.RESUMED : 0), serial, notice, params));
            if ((flags & Flags.MODE_SUBSCRIBE) == 0) {
                return;
            }
            for (Message m : replay) {
                if (noEchoFor == null || !noEchoFor.equals(m.connectionId())) {
                    send.accept(ProtocolMessage.messages(name, null, m.connectionId(), m.timestamp() == null ? 0 : m.timestamp(),
                            m.serial(), List.of(m)));
                }
            }
        }
    }

    /** A parsed rewind: a count, or a time window in ms (then count is MAX_REWIND). */
    public record Rewind(int count, long windowMillis, String wire, boolean truncated) {}

    private AttachReplay() {}

    /** Parses the {@code rewind} channel param; null when absent, an error when it is not a count or a time. */
    public static Outcome<Rewind> rewind(Map<String, String> params) {
        String value = params == null ? null : params.get("rewind");
        if (value == null) {
            return null;
        }
        Matcher m = REWIND.matcher(value.trim());
        if (!m.matches()) {
            return Outcome.fail(ErrorCode.INVALID_PARAMETER, "Invalid rewind value '" + truncate(value)
                    + "': give a number of messages (\"10\") or a time (\"30s\", \"2m\")");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Outcome.ok(new Rewind(MAX_REWIND, n * 1000, value.trim(), false));
            case "m" -> Outcome.ok(new Rewind(MAX_REWIND, n * 60_000, value.trim(), false));
            default -> Outcome.ok(new Rewind((int) Math.min(n, MAX_REWIND), 0, value.trim(), n > MAX_REWIND));
        };
    }

    /**
     * Decides what follows the ATTACHED. Call under the channel's order lock, so that the replay
     * ends exactly where live delivery begins.
     *
     * @param rewind the parsed rewind param, or null
     */
    public static Plan plan(MessageLog log, ChannelKey key, String channelSerial, Rewind rewind, Clock clock) {
        Map<String, String> params = rewind == null ? null : Map.of("rewind", rewind.wire());
        if (channelSerial != null) {
            Replay r = log.after(key, channelSerial);
            if (r.continuous()) {
                return new Plan(true, r.messages(), null, params);
            }
            return new Plan(false, List.of(), ErrorCode.CHANNEL_NOT_RECOVERED.info(
                    "Unable to recover channel: messages after the client's position are no longer kept"), params);
        }
        if (rewind != null) {
            long since = rewind.windowMillis() > 0 ? clock.millis() - rewind.windowMillis() : 0;
            List<Message> latest = log.latest(key, rewind.count() + 1, since);
            boolean cut = rewind.truncated() || (rewind.windowMillis() > 0 && latest.size() > MAX_REWIND);
            if (latest.size() > rewind.count()) {
                latest = latest.subList(latest.size() - rewind.count(), latest.size());
            }
            ErrorInfo notice = cut ? ErrorCode.INVALID_PARAMETER.info("Rewind limited to the last " + MAX_REWIND + " messages") : null;
            return new Plan(false, latest, notice, params);
        }
        return new Plan(false, List.of(), null, null);
    }

    private static String truncate(String s) { return s.length() > 40 ? s.substring(0, 40) + "..." : s; }
}
