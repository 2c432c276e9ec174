package dev.hubbub.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import java.util.Locale;

/**
 * How the listener's event loops do their socket I/O (setting {@code server.io}).
 *
 * <p>{@link #AUTO}, the default, is epoll where this machine has it and NIO elsewhere. io_uring is
 * there to be chosen: it hands the kernel a loop's reads and writes in batches, one system call per
 * batch, where epoll makes one per read and one per write, and on the many-small-channels benchmark
 * the broker spent about a fifth less CPU per delivery on it. It is not the default because fan-out
 * at the limit of one core was less steady on it (docs/benchmarks.md: in one of four runs at 400,000
 * deliveries a second the broker fell behind and did not recover within the run; epoll held in all
 * four). io_uring needs Linux 5.14 or later and a kernel (and container runtime: Docker's default
 * seccomp profile refuses it) that allows it; naming a transport that is not there stops start-up,
 * with Netty's reason.
 */
public enum IoTransport {
    AUTO, IO_URING, EPOLL, NIO;

    /** The setting's value: {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}. */
    public String configName() { return name().toLowerCase(Locale.ROOT); }

    /** The transport for a setting's value, or null when it names none. */
    public static IoTransport fromConfig(String value) {
        for (IoTransport t : values()) {
            if (t.configName().equals(value)) {
                return t;
            }
        }
        return null;
    }

    /** Whether this machine can run this transport ({@link #AUTO}: always). */
    public boolean isAvailable() {
        return switch (this) {
            case AUTO, NIO -> true;
            case IO_URING -> IoUring.isAvailable();
            case EPOLL -> Epoll.isAvailable();
        };
    }

    /**
     * The transport the listener runs: this one, or for {@link #AUTO} epoll where it is available
     * and NIO elsewhere.
     *
     * @throws IllegalStateException when this transport is named but not available here, with the reason
     */
    public IoTransport resolve() {
        if (this == AUTO) {
            return EPOLL.isAvailable() ? EPOLL : NIO;
        }
        if (!isAvailable()) {
            Throwable why = this == IO_URING ? IoUring.unavailabilityCause() : Epoll.unavailabilityCause();
            throw new IllegalStateException("server.io " + configName() + " is not available on this machine"
                    + (why != null ? ": " + why.getMessage() : ""));
        }
        return this;
    }

    IoHandlerFactory handlerFactory() {
        return switch (resolve()) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            default -> NioIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return switch (resolve()) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            default -> NioServerSocketChannel.class;
        };
    }
}
