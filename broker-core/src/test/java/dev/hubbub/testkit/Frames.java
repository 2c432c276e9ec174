package dev.hubbub.testkit;

import dev.hubbub.core.protocol.Action;
import dev.hubbub.core.protocol.Message;
import dev.hubbub.core.protocol.ProtocolMessage;
import java.util.List;

/** Frames a client sends, for tests. */
public final class Frames {
    private Frames() { }

    /** ATTACH, with the channelSerial to resume from (null: none). */
    public static ProtocolMessage attach(String channel, String channelSerial) {
        return new ProtocolMessage(Action.ATTACH, null, channel, channelSerial, null, null, null, null, null, null, null, null,
                null, null, null, null);
    }

    /** A MESSAGE with one message named {@code n} carrying {@code data}. */
    public static ProtocolMessage publish(String channel, long msgSerial, String data) {
        return new ProtocolMessage(Action.MESSAGE, null, channel, null, null, null, null, null, null, msgSerial,
                List.of(Message.of("n", data)), null, null, null, null, null);
    }

    /** The data of every message in the MESSAGE frames among {@code frames}, in order. */
    public static List<Object> data(List<ProtocolMessage> frames) {
        return frames.stream().filter(m -> m.action() == Action.MESSAGE).flatMap(m -> m.messages().stream())
                .map(Message::data).toList();
    }

    /** The data of every message {@code out} was sent, in order. */
    public static List<Object> data(RecordingTransport out) { return data(out.frames()); }
}
