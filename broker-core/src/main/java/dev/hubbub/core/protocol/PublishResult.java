package dev.hubbub.core.protocol;

import java.util.List;

/** One entry of an ACK's {@code res}: the serials given to the messages of one acked ProtocolMessage. */
public record PublishResult(List<String> serials) {
}
