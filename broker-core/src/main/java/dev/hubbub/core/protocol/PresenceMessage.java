package dev.hubbub.core.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/** An Ably PresenceMessage. {@code data} is a String, a byte[] or null. */
public record PresenceMessage(
        String id,
        PresenceAction action,
        String clientId,
        String connectionId,
        Object data,
        String encoding,
        JsonNode extras,
        Long timestamp) {

    public PresenceMessage {
        if (data != null && !(data instanceof String) && !(data instanceof byte[])) {
            throw new IllegalArgumentException("data must be a String or byte[]");
        }
    }

    public PresenceMessage withClientId(String newClientId) {
        return new PresenceMessage(id, action, newClientId, connectionId, data, encoding, extras, timestamp);
    }

    public PresenceMessage with(PresenceAction newAction, String newId, String newConnectionId, long newTimestamp) {
        return new PresenceMessage(newId, newAction, clientId, newConnectionId, data, encoding, extras, newTimestamp);
    }

    /**
     * Size for the message size limit, as {@link Message#size()}: every field a client sets counts,
     * in UTF-8 bytes (id, clientId, encoding, extras as JSON text, data; binary alike in both
     * formats); connectionId and
     * timestamp are the broker's.
     */
    public int size() {
        return Message.utf8Length(id) + Message.utf8Length(clientId) + Message.encodingSize(data, encoding) + Message.extrasSize(extras)
                + Message.dataSize(data, encoding);
    }
}
