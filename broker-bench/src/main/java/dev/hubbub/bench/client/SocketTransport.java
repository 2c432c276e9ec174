package dev.hubbub.bench.client;

import io.netty.channel.IoHandlerFactory;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
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

    /**
     * A connection bound to a local address picks its port at connect, against the full 4-tuple
     * (Linux IP_BIND_ADDRESS_NO_PORT), not at bind, where the port must be free of every socket.
     */
    public static void portAtConnect(Bootstrap b) {
        if (EPOLL) {
            b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
    }

    /** "epoll" or "nio", for the report. */
    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }
}
