package dev.hubbub.bench.client;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The client's socket transport: Linux epoll where Netty's native transport loads (fewer
 * syscalls and no selector bookkeeping per read, which matters when the bench shares the cores
 * with the broker it measures), Java NIO elsewhere. Every bootstrap on the bench's event loop
 * group must use the matching channel class.
 */
public final class SocketTransport {
    private static final boolean EPOLL = !Boolean.getBoolean("bench.nio") && Epoll.isAvailable();

    private SocketTransport() {}

    public static IoHandlerFactory ioHandlerFactory() {
        return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    public static Class<? extends SocketChannel> channelClass() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** "epoll" or "nio", for the report. */
    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }
}
