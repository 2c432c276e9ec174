package dev.hubbub.bench.scenario;

import dev.hubbub.bench.client.BenchFailure;
import dev.hubbub.bench.client.Endpoint;
import dev.hubbub.bench.nats.NatsConnection;
import dev.hubbub.bench.nats.NatsLineParser;
import dev.hubbub.bench.report.ErrorCounts;
import dev.hubbub.bench.report.Report;
import dev.hubbub.bench.run.Deadline;
import dev.hubbub.bench.run.Payload;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The pub/sub run against a NATS server's WebSocket listener, the peer for the fan-out figure:
 * a channel is a subject, ATTACH is SUB (+ PING/PONG so the subscription is known to be in
 * place), a publish is PUB with the same stamped payload. NATS does not acknowledge publishes,
 * so the drain waits for deliveries only. No authentication (a loopback test server).
 */
final class NatsWire implements PubSubScenario.Wire {
    private static final long PER_CONNECTION_TIMEOUT_MS = 15_000;

    @Override
    public String protocol() {
        return "nats";
    }

    @Override
    public String format() {
        return "nats-text";
    }

    @Override
    public boolean acknowledged() {
        return false;
    }

    @Override
    public PubSubScenario.Opened open(PubSubScenario run, List<PubSubScenario.Publisher> publishers, Report report) {
        RunContext ctx = run.ctx();
        List<URI> uris = new ArrayList<>();
        for (Endpoint ep : ctx.client().endpoints()) {
            uris.add(URI.create("ws://" + ep.base().getRawAuthority() + "/"));
        }
        EventLoopGroup group = ctx.client().group();
        List<NatsConnection> all = Collections.synchronizedList(new ArrayList<>());
        ErrorCounts connectFailures = new ErrorCounts();
        ErrorCounts subscribeFailures = new ErrorCounts();
        AtomicInteger opened = new AtomicInteger();
        long setupStart = System.nanoTime();
        ctx.progress().show(() -> "setup: " + opened.get() + " NATS connections opened");

        List<NatsConnection.Listener> subscribers = new ArrayList<>();
        for (int n = 0; n < uris.size(); n++) {
            subscribers.add(subscriber(run, n));
        }
        NatsConnection.Listener publisher = new NatsConnection.Listener() {
            @Override
            public void onErr(NatsConnection c, String message) {
                run.error("publisher-nats-err", message);
            }

            @Override
            public void onClosed(NatsConnection c, boolean requested) {
                if (!requested) {
                    run.connectionLost();
                }
            }
        };

        int subCount = run.settings().channels() * run.settings().subscribersPerChannel();
        AtomicInteger subsConnected = new AtomicInteger();
        int subsUnfinished = throttled(subCount, ctx.setupConcurrency(), ctx.deadline(), i -> {
            opened.incrementAndGet();
            NatsConnection c = NatsConnection.open(group, uris.get(run.nodeOf(i)), subscribers.get(run.nodeOf(i)));
            all.add(c);
            return c.connected().orTimeout(PER_CONNECTION_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .handle((ok, e) -> {
                        if (e != null) {
                            connectFailures.add(BenchFailure.codeOf(e), 1, BenchFailure.messageOf(e));
                            c.abort();
                            return CompletableFuture.<Void>completedFuture(null);
                        }
                        subsConnected.incrementAndGet();
                        return c.subscribe(run.channelOf(i)).orTimeout(PER_CONNECTION_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                                .handle((ok2, e2) -> {
                                    if (e2 == null) {
                                        run.subscribed(i);
                                    } else {
                                        subscribeFailures.add(BenchFailure.codeOf(e2), 1, BenchFailure.messageOf(e2));
                                    }
                                    return (Void) null;
                                });
                    }).thenCompose(f -> f);
        });

        List<PubSubScenario.Publisher> live = Collections.synchronizedList(new ArrayList<>());
        int pubsUnfinished = throttled(publishers.size(), ctx.setupConcurrency(), ctx.deadline(), j -> {
            opened.incrementAndGet();
            NatsConnection c = NatsConnection.open(group, uris.get(run.publisherNodeOf(j)), publisher);
            all.add(c);
            return c.connected().orTimeout(PER_CONNECTION_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                    .handle((ok, e) -> {
                        if (e != null) {
                            connectFailures.add(BenchFailure.codeOf(e), 1, BenchFailure.messageOf(e));
                            c.abort();
                        } else {
                            PubSubScenario.Publisher p = publishers.get(j);
                            p.bind(new NatsSender(c));
                            live.add(p);
                        }
                        return null;
                    });
        });

        Map<String, Object> conns = report.section("connections");
        conns.put("subscribersConnected", subsConnected.get() + " / " + subCount);
        conns.put("subscribersAttached", run.attachedSubscribers());
        conns.put("publishersConnected", live.size() + " / " + publishers.size());
        conns.put("setupSeconds", (System.nanoTime() - setupStart) / 1e9);
        conns.put("unfinished", subsUnfinished + pubsUnfinished);
        report.putErrors("connectFailures", connectFailures);
        report.putErrors("attachFailures", subscribeFailures);
        String info = all.isEmpty() ? null : all.get(0).serverInfo();
        if (info != null) {
            report.section("peer").put("serverInfo", info);
        }
        List<PubSubScenario.Publisher> livePublishers;
        synchronized (live) {
            livePublishers = new ArrayList<>(live);
        }
        return new PubSubScenario.Opened(livePublishers, waitMillis -> closeAll(all, waitMillis));
    }

    /** The listener of the subscribers on {@code node}: counts and times their deliveries. */
    private static NatsConnection.Listener subscriber(PubSubScenario run, int node) {
        return new NatsConnection.Listener() {
            @Override
            public void onMsg(NatsConnection c, NatsLineParser.Msg m) {
                run.delivered(node, Payload.decode(m.array(), m.payloadOffset(), m.payloadLength()), System.nanoTime());
            }

            @Override
            public void onErr(NatsConnection c, String message) {
                run.error("subscriber-nats-err", message);
            }

            @Override
            public void onClosed(NatsConnection c, boolean requested) {
                if (!requested) {
                    run.connectionLost();
                }
            }
        };
    }

    /**
     * Runs {@code task(0..count-1)} with at most {@code concurrency} unfinished at once, within the
     * deadline; returns how many had not finished by then.
     */
    private static int throttled(int count, int concurrency, Deadline deadline, IntFunction<CompletableFuture<?>> task) {
        Semaphore slots = new Semaphore(concurrency);
        AtomicInteger done = new AtomicInteger();
        try {
            for (int i = 0; i < count; i++) {
                if (!slots.tryAcquire(deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
                task.apply(i).whenComplete((ok, e) -> {
                    done.incrementAndGet();
                    slots.release();
                });
            }
            if (slots.tryAcquire(concurrency, deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
                slots.release(concurrency);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return count - done.get(); // as ConnectionOpener counts them: never finished, or never started
    }

    private static void closeAll(List<NatsConnection> connections, long waitMillis) {
        List<NatsConnection> copy;
        synchronized (connections) {
            copy = new ArrayList<>(connections);
        }
        copy.forEach(NatsConnection::close);
        try {
            CompletableFuture.allOf(copy.stream().map(NatsConnection::closed).toArray(CompletableFuture[]::new))
                    .get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            copy.forEach(NatsConnection::abort);
        }
    }

    /** A NATS connection as a publisher's sender: PUB on the channel's subject. */
    private record NatsSender(NatsConnection c) implements PubSubScenario.Sender {
        @Override
        public EventLoop eventLoop() {
            return c.eventLoop();
        }

        @Override
        public boolean isOpen() {
            return c.isOpen();
        }

        @Override
        public boolean isWritable() {
            return c.isWritable();
        }

        @Override
        public long send(String channel, String data) {
            return c.publish(channel, data);
        }

        @Override
        public void flush() {
            c.flush();
        }
    }
}
