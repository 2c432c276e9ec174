package dev.hubbub.transport.codec;

import dev.hubbub.core.protocol.ErrorInfo;
import dev.hubbub.core.protocol.ProtocolMessage;

/**
 * A decoded frame, or why it could not be decoded plus what could still be read from it (its
 * msgSerial and channel, so the session can NACK or answer on the right channel).
 */
public record DecodeResult(ProtocolMessage message, ErrorInfo error, Long msgSerial, String channel) {
    public static DecodeResult ok(ProtocolMessage message) { return new DecodeResult(message, null, null, null); }

    public static DecodeResult failed(ErrorInfo error, Long msgSerial, String channel) {
        return new DecodeResult(null, error, msgSerial, channel);
    }

    public boolean isOk() { return message != null; }
}
