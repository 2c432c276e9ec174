package dev.hubbub.core.channel;

/** A frame already serialised by the transport for one wire format; released once by its owner. */
public interface EncodedFrame {
    void release();
}
