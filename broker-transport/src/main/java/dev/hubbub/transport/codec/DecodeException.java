package dev.hubbub.transport.codec;

import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.ErrorInfo;

/** Thrown inside the codec only; callers get a {@link DecodeResult} or an {@link ErrorInfo}. */
public final class DecodeException extends Exception {
    private final transient ErrorInfo error;

    public DecodeException(ErrorInfo error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public DecodeException(ErrorCode code, String message) { this(code.info(message)); }

    public ErrorInfo error() { return error; }
}
