package dev.hubbub.transport.tls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of a connection to a TLS listener. Once the first record header has arrived it
 * either puts a {@link SslHandler} of the context current at that moment in its own place (a TLS
 * client), or, for a client speaking plain HTTP or {@code ws://} to the TLS port, answers
 * {@code 400} in plain text saying so and closes. Nothing unencrypted is ever served.
 */
public final class TlsOnlyHandler extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(TlsOnlyHandler.class);
    static final String PLAINTEXT_REFUSAL = "This port speaks TLS only: connect with wss:// or https://\n";

    private final Supplier<SslContext> contexts;
    private final String sslHandlerName;
    private boolean refused;

    /** @param sslHandlerName the name the SslHandler takes in the pipeline */
    public TlsOnlyHandler(Supplier<SslContext> contexts, String sslHandlerName) {
        this.contexts = contexts;
        this.sslHandlerName = sslHandlerName;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) { // answered and closing: whatever else arrives goes nowhere
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < 5) { // a TLS record header
            return;
        }
        if (SslHandler.isEncrypted(in, false)) {
            // the bytes read so far go on to the SslHandler when this handler leaves
            ctx.pipeline().replace(this, sslHandlerName, contexts.get().newHandler(ctx.alloc()));
            return;
        }
        refused = true;
        in.skipBytes(in.readableBytes());
        log.debug("plaintext on the TLS port from {}: answered 400", ctx.channel().remoteAddress());
        byte[] body = PLAINTEXT_REFUSAL.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n";
        ByteBuf reply = Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body);
        ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
    }
}
