package dev.hubbub.transport.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A realtime frame's top-level fields as they are read, in either format. msgSerial and channel
 * are noted as soon as they arrive, so a frame that breaks later can still be NACKed (keeping the
 * client's publish queue in step) or answered on its channel.
 */
final class PartialFrame {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    Long msgSerial;
    String channel;

    /** Takes a whole frame parsed in one go. */
    void adopt(ObjectNode whole) {
        root = whole;
        note("msgSerial", whole.get("msgSerial"));
        note("channel", whole.get("channel"));
    }

    void put(String name, JsonNode value) {
        root.set(name, value);
        note(name, value);
    }

    private void note(String name, JsonNode value) {
        if (value == null) {
            return;
        }
        if (name.equals("msgSerial")) {
            msgSerial = value.isIntegralNumber() && value.canConvertToLong() ? value.longValue() : null;
        } else if (name.equals("channel")) {
            channel = value.isTextual() ? value.textValue() : null;
        }
    }
}
