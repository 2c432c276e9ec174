package dev.hubbub.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/** What a server-side EmbeddedChannel wrote, for tests and benchmarks that feed it raw bytes. */
public final class EmbeddedOutbound {
    private EmbeddedOutbound() {}

    /** Runs the channel's loop and returns everything it wrote since the last call, as one array; the buffers are released. */
    public static byte[] drain(EmbeddedChannel ch) {
        ch.runPendingTasks();
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        all.release();
        return bytes;
    }
}
