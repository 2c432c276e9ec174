package dev.hubbub.bench.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * Opens realtime connections on a small shared event loop group (the bench usually shares the
 * machine with the broker, so one or two threads). Enforces the run's connection cap: the
 * connection past the cap fails with code "limit" without touching the network. With several
 * endpoints (a cluster's nodes) each connection names the node it goes to; node 0 is the default.
 */
public final class BenchClient implements AutoCloseable {

    private final List<Endpoint> endpoints;
    private final WireCodec codec;
    private final EventLoopGroup group;
    private final SslContext ssl;
    private final int maxConnections;
    private final AtomicInteger opened = new AtomicInteger();
    /** Per endpoint: the local addresses its connections take in turn; empty: the OS's choice. */
    private volatile List<List<InetAddress>> sources;

    public BenchClient(Endpoint endpoint, WireCodec.Format format, int threads, int maxConnections) {
        this(List.of(endpoint), format, threads, maxConnections);
    }

    /** A client for several nodes, in the order connections name them (at least one). */
    public BenchClient(List<Endpoint> endpoints, WireCodec.Format format, int threads, int maxConnections) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint");
        }
        this.endpoints = List.copyOf(endpoints);
        this.codec = new WireCodec(format);
        this.group = new MultiThreadIoEventLoopGroup(threads, SocketTransport.ioHandlerFactory());
        this.maxConnections = maxConnections;
        this.sources = endpoints.stream().map(e -> List.<InetAddress>of()).toList();
        try {
            this.ssl = endpoints.stream().anyMatch(Endpoint::tls) ? SslContextBuilder.forClient().build() : null;
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Spreads the connections to a node at 127.x.x.x over the local addresses 127.0.0.1 to
     * 127.0.0.{@code n}, in turn (other nodes: the OS's choice, as with {@code n} = 1). One source
     * address has about 28,000 ephemeral ports for a given server port, and the kernel finds a free one
     * by scanning: with 15,000 connections open that search alone took a quarter of the client's CPU
     * per connect on loopback, a cost no real client population (many addresses) has.
     */
    public BenchClient spreadSources(int n) {
        if (n < 1 || n > 254) {
            throw new IllegalArgumentException("source addresses: 1 to 254");
        }
        this.sources = endpoints.stream().map(e -> loopbackSources(e, n)).toList();
        return this;
    }

    private static List<InetAddress> loopbackSources(Endpoint e, int n) {
        try {
            InetAddress remote = InetAddress.getByName(e.host());
            if (n == 1 || !(remote instanceof Inet4Address) || !remote.isLoopbackAddress()) {
                return List.of();
            }
            List<InetAddress> out = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
                out.add(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) i}));
            }
            return List.copyOf(out);
        } catch (UnknownHostException unresolved) {
            return List.of(); // the connect reports it
        }
    }

    /** The local addresses connections to node {@code node} take in turn (empty: the OS's choice). */
    public List<InetAddress> sourcesOf(int node) {
        return sources.get(node);
    }

    /** The first node: where REST requests (token minting) and single-node scenarios go. */
    public Endpoint endpoint() { return endpoints.get(0); }
    /** Every node, in the order given. */
    public List<Endpoint> endpoints() { return endpoints; }
    public WireCodec codec() { return codec; }
    public EventLoopGroup group() { return group; }
    /** Connections attempted so far (counted against the cap). */
    public int opened() { return opened.get(); }
    /** The run's connection cap (--max-connections): attempts past it fail with "limit". */
    public int maxConnections() { return maxConnections; }

    /** Starts one connection to the first node; watch {@link Connection#connected()} for the outcome. */
    public Connection open(Endpoint.Credentials credentials, ConnectionListener listener) {
        return open(0, credentials, listener);
    }

    /** Starts one connection to node {@code node} (an index into {@link #endpoints()}). */
    public Connection open(int node, Endpoint.Credentials credentials, ConnectionListener listener) {
        Endpoint endpoint = endpoints.get(node);
        int index = opened.getAndIncrement();
        Connection conn = new Connection(index, codec, listener);
        if (index >= maxConnections) {
            conn.fail(new BenchFailure("limit", "connection cap of " + maxConnections + " reached"));
            return conn;
        }
        Bootstrap b = WebSocketClients.bootstrap(group, endpoint.connectUri(credentials, codec.format()),
                ch -> addTls(ch, endpoint), "realtime", conn);
        List<InetAddress> local = sources.get(node);
        ChannelFuture cf;
        if (local.isEmpty()) {
            cf = b.connect(endpoint.host(), endpoint.port());
        } else {
            SocketTransport.portAtConnect(b);
            cf = b.connect(new InetSocketAddress(endpoint.host(), endpoint.port()),
                    new InetSocketAddress(local.get(index % local.size()), 0));
        }
        conn.bind(cf.channel());
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                conn.fail(f.cause());
            }
        });
        return conn;
    }

    /** Adds the TLS handler first in the pipeline when the first node is wss:// (REST requests). */
    void addTls(SocketChannel ch) {
        addTls(ch, endpoint());
    }

    private void addTls(SocketChannel ch, Endpoint endpoint) {
        if (endpoint.tls()) {
            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc(), endpoint.host(), endpoint.port()));
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
