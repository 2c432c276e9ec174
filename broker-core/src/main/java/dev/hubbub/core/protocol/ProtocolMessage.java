package dev.hubbub.core.protocol;

import java.util.List;
import java.util.Map;

/**
 * One realtime frame. Absent fields are null and are left out on the wire (never sent as null).
 */
public record ProtocolMessage(
        Action action,
        String id,
        String channel,
        String channelSerial,
        String connectionId,
        ConnectionDetails connectionDetails,
        Integer count,
        ErrorInfo error,
        Integer flags,
        Long msgSerial,
        List<Message> messages,
        List<PresenceMessage> presence,
        Long timestamp,
        String authAccessToken,
        Map<String, String> params,
        List<PublishResult> res) {

    public static ProtocolMessage of(Action action) {
        return new ProtocolMessage(action, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static ProtocolMessage heartbeat(String id) {
        return new ProtocolMessage(Action.HEARTBEAT, id, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static ProtocolMessage connected(String connectionId, ConnectionDetails details, ErrorInfo error, long now) {
        return new ProtocolMessage(Action.CONNECTED, null, null, null, connectionId, details, null, error, null, null, null, null, now, null, null, null);
    }

    public static ProtocolMessage error(ErrorInfo error) {
        return new ProtocolMessage(Action.ERROR, null, null, null, null, null, null, error, null, null, null, null, null, null, null, null);
    }

    public static ProtocolMessage channelError(String channel, ErrorInfo error) {
        return new ProtocolMessage(Action.ERROR, null, channel, null, null, null, null, error, null, null, null, null, null, null, null, null);
    }

    public static ProtocolMessage disconnected(ErrorInfo error) {
        return new ProtocolMessage(Action.DISCONNECTED, null, null, null, null, null, null, error, null, null, null, null, null, null, null, null);
    }

    public static ProtocolMessage closed() { return of(Action.CLOSED); }

    public static ProtocolMessage ack(long msgSerial, int count, List<PublishResult> res) {
        return new ProtocolMessage(Action.ACK, null, null, null, null, null, count, null, null, msgSerial, null, null, null, null, null, res);
    }

    public static ProtocolMessage nack(long msgSerial, int count, ErrorInfo error) {
        return new ProtocolMessage(Action.NACK, null, null, null, null, null, count, error, null, msgSerial, null, null, null, null, null, null);
    }

    public static ProtocolMessage attached(String channel, int flags, String channelSerial, ErrorInfo error) {
        return new ProtocolMessage(Action.ATTACHED, null, channel, channelSerial, null, null, null, error, flags, null, null, null, null, null, null, null);
    }

    /** ATTACHED echoing the channel params the broker recognised (RTL4k1). */
    public static ProtocolMessage attached(String channel, int flags, String channelSerial, ErrorInfo error,
                                           Map<String, String> params) {
        return new ProtocolMessage(Action.ATTACHED, null, channel, channelSerial, null, null, null, error, flags, null, null, null, null, null,
                params == null || params.isEmpty() ? null : params, null);
    }

    /** The same frame under another channel name (a subscription's qualified name). */
    public ProtocolMessage withChannel(String name) {
        return new ProtocolMessage(action, id, name, channelSerial, connectionId, connectionDetails, count, error, flags, msgSerial,
                messages, presence, timestamp, authAccessToken, params, res);
    }

    /** The same frame at a position in its channel's order. */
    public ProtocolMessage withChannelSerial(String serial) {
        return new ProtocolMessage(action, id, channel, serial, connectionId, connectionDetails, count, error, flags, msgSerial, messages,
                presence, timestamp, authAccessToken, params, res);
    }

    public static ProtocolMessage detached(String channel, ErrorInfo error) {
        return new ProtocolMessage(Action.DETACHED, null, channel, null, null, null, null, error, null, null, null, null, null, null, null, null);
    }

    public static ProtocolMessage messages(String channel, String id, String connectionId, long timestamp,
                                           String channelSerial, List<Message> messages) {
        return new ProtocolMessage(Action.MESSAGE, id, channel, channelSerial, connectionId, null, null, null, null, null, messages, null, timestamp, null, null, null);
    }

    public static ProtocolMessage presence(Action action, String channel, String id, String connectionId, Long timestamp,
                                           String channelSerial, List<PresenceMessage> presence) {
        return new ProtocolMessage(action, id, channel, channelSerial, connectionId, null, null, null, null, null, null, presence, timestamp, null, null, null);
    }

    public int flagsOrZero() { return flags == null ? 0 : flags; }
}
