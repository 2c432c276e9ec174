package dev.hubbub.transport.ws;

import static dev.hubbub.transport.ws.WsFrames.actions;
import static dev.hubbub.transport.ws.WsFrames.drainData;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.transport.TestBroker;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The end of a read batch stops at the realtime handler, the pipeline's last: passed on, it would
 * only reach Netty's no-op at the tail, through a context no other event of the connection reads.
 */
class ReadBatchEndTest {
    @Test
    void aReadBatchEndsAtTheRealtimeHandlerAfterItsFramesAreHandled() {
        TestBroker core = new TestBroker();
        AtomicInteger endsPassedOn = new AtomicInteger();
        ConnectRequest request = new ConnectRequest(TestBroker.FULL_KEY, null, "reader", "json", "2", true, null, null, "embedded");
        EmbeddedChannel ch = new EmbeddedChannel(
                new RealtimeHandler(core.connector, request, ProtocolCodec.of(WireFormat.JSON), core.limits, 1 << 20, 1000),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        endsPassedOn.incrementAndGet();
                    }
                });
        try {
            assertEquals(List.of(4), actions(drainData(ch)), "CONNECTED");

            ch.writeInbound(new TextWebSocketFrame("{\"action\":0,\"id\":\"beat\"}")); // a read batch of one frame, then its end

            assertEquals(List.of(0), actions(drainData(ch)), "the HEARTBEAT was read and answered");
            assertEquals(0, endsPassedOn.get(), "the batch's end went no further than the realtime handler");
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
