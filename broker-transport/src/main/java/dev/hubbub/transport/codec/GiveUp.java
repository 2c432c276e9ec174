package dev.hubbub.transport.codec;

/**
 * Not an error: a fast path leaves this frame to the general one, which reads a tree on input
 * ({@link JsonFrameReader}, {@link MsgpackFrameReader}) and writes through Jackson's generator on
 * output ({@link MsgpackFrameWriter}). Thrown as one shared instance, without a stack trace.
 */
final class GiveUp extends Exception {
    static final GiveUp INSTANCE = new GiveUp();

    private GiveUp() {
        super("take the general path", null, false, false);
    }
}
