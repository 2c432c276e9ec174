package dev.hubbub.transport.ws;

import dev.hubbub.core.outbound.FanOutPort;
import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.protocol.ProtocolMessage;
import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * The network side of a channel's fan-out. One message is encoded at most once per wire format,
 * as a complete WebSocket frame, and its recipients are grouped per event loop: each loop gets one
 * {@link EventLoopWriter.Batch} carrying its own reference to the bytes, handed over when the
 * fan-out is dispatched (still under the channel's lock, so a channel's batches reach every loop
 * in publish order). Every buffer this allocates it also releases: the per-format encodings when
 * the fan-out is dispatched, each batch's reference once that loop has written it.
 */
public final class NettyFanOut implements FanOutPort {
    @Override
    public FanOut begin(ProtocolMessage frame) { return new Delivery(frame); }

    /** One message's fan-out; used by the publishing thread only. */
    private static final class Delivery implements FanOut {
        private static final int FORMATS = 2;

        private final ProtocolMessage frame;
        private final ByteBuf[] encoded = new ByteBuf[FORMATS];
        // batches by (writer, format), in the order first used; a handful (loops x formats)
        private EventLoopWriter[] writers = new EventLoopWriter[4];
        private int[] formats = new int[4];
        private EventLoopWriter.Batch[] batches = new EventLoopWriter.Batch[4];
        private int count;

        Delivery(ProtocolMessage frame) { this.frame = frame; }

        @Override
        public void add(Transport recipient) {
            if (!(recipient instanceof NettyTransport t)) {
                recipient.send(frame); // not a connection of ours (never in the server): no sharing
                return;
            }
            if (!t.acceptsFanOut()) {
                return;
            }
            int format = t.formatIndex(); // not the codec: one cold object less per subscriber
            EventLoopWriter writer = t.writer();
            EventLoopWriter.Batch batch = find(writer, format);
            if (batch == null) {
                ByteBuf bytes = encoded[format];
                if (bytes == null) {
                    bytes = t.codec().encodeWebSocketFrame(frame, t.channel().alloc());
                    encoded[format] = bytes;
                }
                batch = writer.newBatch(bytes);
                remember(writer, format, batch);
            }
            batch.add(t);
        }

        @Override
        public void dispatch() {
            try {
                for (int i = 0; i < count; i++) {
                    EventLoopWriter.Batch b = batches[i];
                    batches[i] = null;
                    writers[i].submit(b);
                }
                count = 0;
            } finally {
                for (int f = 0; f < FORMATS; f++) {
                    if (encoded[f] != null) {
                        encoded[f].release();
                        encoded[f] = null;
                    }
                }
            }
        }

        private EventLoopWriter.Batch find(EventLoopWriter writer, int format) {
            for (int i = 0; i < count; i++) {
                if (writers[i] == writer && formats[i] == format) {
                    return batches[i];
                }
            }
            return null;
        }

        private void remember(EventLoopWriter writer, int format, EventLoopWriter.Batch batch) {
            if (count == writers.length) {
                writers = Arrays.copyOf(writers, count * 2);
                formats = Arrays.copyOf(formats, count * 2);
                batches = Arrays.copyOf(batches, count * 2);
            }
            writers[count] = writer;
            formats[count] = format;
            batches[count++] = batch;
        }
    }
}
