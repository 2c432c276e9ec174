package dev.hubbub.transport.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.core.outbound.Transport;
import dev.hubbub.core.session.ConnectRequest;
import dev.hubbub.transport.TestBroker;
import dev.hubbub.transport.codec.ProtocolCodec;
import dev.hubbub.transport.codec.WireFormat;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connections' timers cost their loop no Netty scheduled task each: many realtime connections on
 * one loop (real in-VM channels, since every EmbeddedChannel has a loop of its own) are timers in
 * the loop's wheel, which is the loop's one scheduled task.
 */
class ConnectionTimersTest {
    private static final int CONNECTIONS = 50;

    private final TestBroker core = new TestBroker();
    private EventLoopGroup group;
    private EventLoop loop;
    private Channel server;
    private LocalAddress address;
    private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    private final List<Channel> clients = new ArrayList<>();

    @BeforeEach
    void setUp() throws InterruptedException {
        group = new DefaultEventLoopGroup(1);
        loop = group.next();
        address = new LocalAddress("connection-timers-" + System.nanoTime());
        server = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) { accepted.add(ch); }
                })
                .bind(address).sync().channel();
    }

    @AfterEach
    void tearDown() {
        clients.forEach(Channel::close);
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A realtime connection on the loop, its handler added as the handshake would (the channel active). */
    private Channel connect() throws InterruptedException {
        Channel client = new Bootstrap().group(group).channel(LocalChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }
                })
                .connect(address).sync().channel();
        clients.add(client);
        Channel serverSide = accepted.poll(5, TimeUnit.SECONDS);
        ConnectRequest request = new ConnectRequest(TestBroker.FULL_KEY, null, null, "json", "2", true, null, null, "local");
        serverSide.pipeline().addLast(new RealtimeHandler(core.connector, request, ProtocolCodec.of(WireFormat.JSON),
                core.limits, 1 << 20, 1000));
        return serverSide;
    }

    private int onLoop(java.util.concurrent.Callable<Integer> read) throws Exception { return loop.submit(read).get(); }

    @Test
    void connectionsOfALoopAreTimersInItsWheelNotScheduledTasksEach() throws Exception {
        LoopTimers timers = LoopTimers.of(loop);
        for (int i = 0; i < CONNECTIONS; i++) {
            connect();
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> core.metrics.connections() == CONNECTIONS);
        assertEquals(CONNECTIONS, onLoop(timers::size), "each connection's liveness timer is in the wheel");
        assertEquals(1, ScheduledTasks.count(loop), "one scheduled task for the loop (the wheel's), not one per connection");

        // core's timers (a token's renewal and expiry) go in the wheel too
        NettyTransport transport = new NettyTransport(clients.get(0), ProtocolCodec.of(WireFormat.JSON), BacklogLimit.fixed(1 << 20), 1000, 15_000, () -> { });
        List<Transport.Cancellable> tokenTimers = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            tokenTimers.add(transport.schedule(() -> { }, TimeUnit.HOURS.toMillis(1)));
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> onLoop(timers::size) == 2 * CONNECTIONS);
        assertEquals(1, ScheduledTasks.count(loop));
        tokenTimers.forEach(Transport.Cancellable::cancel); // from this thread: they hop onto the loop
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> onLoop(timers::size) == CONNECTIONS);

        clients.forEach(Channel::close);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> core.metrics.connections() == 0);
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> onLoop(timers::size) == 0);
        assertTrue(ScheduledTasks.count(loop) <= 1, "at most the wheel's last tick, which does not re-arm");
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ScheduledTasks.count(loop) == 0);
    }
}
