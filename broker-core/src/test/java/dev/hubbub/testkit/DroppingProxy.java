package dev.hubbub.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on a free loopback port in front of a broker, for the network failures continuity is
 * about. A client (an SDK) connects to {@link #port()}; each accepted connection is forwarded to the
 * target, byte for byte, until the test intervenes:
 * <ul>
 *   <li>{@link #cutAll(BrokerSide)} cuts every current connection at once: nothing more is forwarded
 *       either way, the client's side is reset (RST, no WebSocket close, no FIN), and the broker's
 *       side is reset too ({@link BrokerSide#CLOSE}) or left open
 *       ({@link BrokerSide#LEAVE_OPEN}: a network that vanished, the broker has not noticed; what it
 *       still sends there is read and dropped, and {@link #abandonedEndedByBroker()} counts the
 *       ones it has closed since);</li>
 *   <li>{@link #refuseNew()} resets every new connection as soon as it is accepted;
 *       {@link #holdNew()} accepts new connections but forwards nothing until {@link #admitNew()},
 *       which also restores plain forwarding for later ones;</li>
 *   <li>{@link #dropFromBroker()} drops what the broker sends on current connections while the
 *       client's frames still get through (its ACKs are lost);</li>
 *   <li>{@link #retarget(int)} sends connections forwarded from then on (held ones included) to
 *       another port: a client that reconnects to the same address reaches another broker.</li>
 * </ul>
 * Counters ({@link #accepted()}, {@link #refused()}, {@link #held()}, {@link #forwarding()}) let a
 * test wait for what the client did instead of waiting for time to pass. Thread-safe; one daemon
 * thread accepts, two per forwarded connection copy.
 */
public final class DroppingProxy implements AutoCloseable {
    /** What a cut does to the broker's side of each connection. */
    public enum BrokerSide {
        /** Reset at once: the broker sees its transport fail. */
        CLOSE,
        /** Left open, what the broker sends dropped: its transport stays up until the broker gives up on it. */
        LEAVE_OPEN
    }

    private enum Admission { FORWARD, REFUSE, HOLD }

    /** Where new connections are forwarded; {@link #retarget} changes it for the ones accepted after. */
    private volatile InetSocketAddress target;
    private final ServerSocket server;
    private final Object lock = new Object();
    private Admission admission = Admission.FORWARD;
    private final List<Link> links = new ArrayList<>();
    private final List<Socket> heldSockets = new ArrayList<>();
    /** Broker-side sockets of cut connections left open: closed by {@link #close()}. */
    private final List<Socket> abandoned = new ArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger heldCount = new AtomicInteger();
    private final AtomicInteger cut = new AtomicInteger();
    private final AtomicInteger abandonedEnded = new AtomicInteger();
    private volatile boolean closed;

    private DroppingProxy(InetSocketAddress target, ServerSocket server) {
        this.target = target;
        this.server = server;
    }

    /** A proxy on 127.0.0.1 and a free port, forwarding to 127.0.0.1:{@code targetPort}. */
    public static DroppingProxy start(int targetPort) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ServerSocket server = new ServerSocket(0, 50, loopback);
        DroppingProxy proxy = new DroppingProxy(new InetSocketAddress(loopback, targetPort), server);
        Thread acceptor = new Thread(proxy::acceptLoop, "proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    /** The port clients connect to. */
    public int port() { return server.getLocalPort(); }

    /** Connections accepted so far (forwarded, refused or held). */
    public int accepted() { return accepted.get(); }

    /** Connections reset on arrival by {@link #refuseNew()}. */
    public int refused() { return refused.get(); }

    /** Connections that arrived while holding (held now or admitted since). */
    public int held() { return heldCount.get(); }

    /** Connections cut by {@link #cutAll}. */
    public int cut() { return cut.get(); }

    /**
     * Broker-side connections that a {@link BrokerSide#LEAVE_OPEN} cut left open and that the broker
     * has since closed (what it sends on them meanwhile is read and dropped, never forwarded).
     */
    public int abandonedEndedByBroker() { return abandonedEnded.get(); }

    /** Connections being forwarded now. */
    public int forwarding() {
        synchronized (lock) {
            links.removeIf(Link::isOver);
            return links.size();
        }
    }

    /**
     * Connections forwarded from now on (new ones, and held ones when {@link #admitNew()} releases
     * them) go to 127.0.0.1:{@code targetPort}; current ones stay where they are.
     */
    public void retarget(int targetPort) {
        target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    }

    /** From now on, every new connection is reset as soon as it is accepted. */
    public void refuseNew() {
        synchronized (lock) {
            admission = Admission.REFUSE;
        }
    }

    /** From now on, new connections are accepted but nothing is forwarded until {@link #admitNew()}. */
    public void holdNew() {
        synchronized (lock) {
            admission = Admission.HOLD;
        }
    }

    /** Forwards the held connections, in their order of arrival, and every new one from now on. */
    public void admitNew() {
        List<Socket> release;
        synchronized (lock) {
            admission = Admission.FORWARD;
            release = new ArrayList<>(heldSockets);
            heldSockets.clear();
        }
        for (Socket s : release) {
            forward(s);
        }
    }

    /**
     * From now on, what the broker sends on every current connection is dropped; what the client
     * sends still reaches the broker (replies such as ACKs are lost on the way back).
     */
    public void dropFromBroker() {
        synchronized (lock) {
            for (Link l : links) {
                l.dropFromBroker = true;
            }
        }
    }

    /**
     * Cuts every current connection (and resets held ones): no byte is forwarded any more either
     * way, the client's side is reset, the broker's side reset or left open as {@code brokerSide} says.
     *
     * @return how many connections were cut
     */
    public int cutAll(BrokerSide brokerSide) {
        List<Link> victims;
        List<Socket> waiting;
        synchronized (lock) {
            victims = new ArrayList<>(links);
            links.clear();
            waiting = new ArrayList<>(heldSockets);
            heldSockets.clear();
            for (Link l : victims) {
                l.cut = brokerSide; // before any socket is touched: the pumps must not close the other side
                if (brokerSide == BrokerSide.LEAVE_OPEN) {
                    abandoned.add(l.broker);
                }
            }
        }
        for (Link l : victims) {
            reset(l.client);
            if (brokerSide == BrokerSide.CLOSE) {
                reset(l.broker);
            }
            cut.incrementAndGet();
        }
        waiting.forEach(DroppingProxy::reset);
        return victims.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            Admission now;
            synchronized (lock) {
                now = closed ? Admission.REFUSE : admission;
                if (now == Admission.HOLD) {
                    heldSockets.add(client);
                    heldCount.incrementAndGet();
                }
            }
            if (now == Admission.REFUSE) {
                refused.incrementAndGet();
                reset(client);
            } else if (now == Admission.FORWARD) {
                forward(client);
            }
        }
    }

    /** Connects to the target and starts copying both ways; resets the client when the target is not there. */
    private void forward(Socket client) {
        Socket broker = new Socket();
        try {
            client.setTcpNoDelay(true);
            broker.setTcpNoDelay(true);
            broker.connect(target, 5_000);
        } catch (IOException e) {
            reset(client);
            closeQuietly(broker);
            return;
        }
        Link link = new Link(client, broker, abandonedEnded::incrementAndGet);
        synchronized (lock) {
            if (closed) {
                reset(client);
                reset(broker);
                return;
            }
            links.add(link);
        }
        link.start(port());
    }

    /** One forwarded connection. */
    private static final class Link {
        final Socket client;
        final Socket broker;
        /** How the link was cut; null while it forwards. */
        volatile BrokerSide cut;
        /** Set by {@link #dropFromBroker()}: the broker's bytes are read and dropped. */
        volatile boolean dropFromBroker;
        private final Runnable brokerEnded;
        private final AtomicInteger pumpsRunning = new AtomicInteger(2);

        Link(Socket client, Socket broker, Runnable brokerEnded) {
            this.client = client;
            this.broker = broker;
            this.brokerEnded = brokerEnded;
        }

        void start(int port) {
            startPump(client, broker, false, "proxy-" + port + "-up-" + client.getPort());
            startPump(broker, client, true, "proxy-" + port + "-down-" + client.getPort());
        }

        boolean isOver() { return cut != null || pumpsRunning.get() == 0; }

        private void startPump(Socket from, Socket to, boolean fromBroker, String name) {
            Thread t = new Thread(() -> pump(from, to, fromBroker), name);
            t.setDaemon(true);
            t.start();
        }

        /**
         * Copies until either side ends. Once the link is cut nothing more is forwarded: the pump
         * from the client stops; the pump from a broker side left open keeps reading and drops
         * everything (a network that swallows it) until the broker ends its side.
         */
        private void pump(Socket from, Socket to, boolean fromBroker) {
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                for (;;) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        break;
                    }
                    if (cut != null) {
                        if (fromBroker && cut == BrokerSide.LEAVE_OPEN) {
                            continue; // swallowed
                        }
                        break;
                    }
                    if (fromBroker && dropFromBroker) {
                        continue;
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side failed: handled below like an end of stream
            } finally {
                pumpsRunning.decrementAndGet();
                if (cut == null) {
                    // an ordinary end on one side ends the other, as a proxy would pass it on
                    closeQuietly(from);
                    closeQuietly(to);
                } else if (fromBroker && cut == BrokerSide.LEAVE_OPEN) {
                    brokerEnded.run();
                    closeQuietly(from);
                }
            }
        }
    }

    /** Closes with an RST instead of a FIN: the peer sees a connection reset, not an orderly end. */
    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Stops accepting and resets everything still open, abandoned broker-side sockets included. */
    @Override
    public void close() {
        List<Link> open;
        List<Socket> rest;
        synchronized (lock) {
            closed = true;
            open = new ArrayList<>(links);
            links.clear();
            rest = new ArrayList<>(heldSockets);
            rest.addAll(abandoned);
            heldSockets.clear();
            abandoned.clear();
        }
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Link l : open) {
            l.cut = BrokerSide.CLOSE;
            reset(l.client);
            reset(l.broker);
        }
        rest.forEach(DroppingProxy::reset);
    }
}
