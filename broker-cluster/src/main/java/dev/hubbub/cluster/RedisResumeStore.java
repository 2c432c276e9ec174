package dev.hubbub.cluster;

import dev.hubbub.core.auth.ClientIdentity;
import dev.hubbub.core.protocol.ErrorCode;
import dev.hubbub.core.protocol.Outcome;
import dev.hubbub.core.session.ResumeStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of every node, resumable on every node, kept in Redis. One entry per connection,
 * a hash {@code hb:r:<sha256(connectionKey)>} of {@code id} (connectionId), {@code app},
 * {@code kind} and {@code client} (its identity: a clientId or a wildcard's clientId pattern), {@code node} (where it was opened), on the server
 * the hash picks. The connection key is a secret: it is never stored, sent in clear or logged; only
 * its holder can name the entry.
 *
 * <p>How long an entry lives: a parked connection's, connectionStateTtl from when its transport
 * dropped (as on the node itself). A live connection's must outlive its node by connectionStateTtl
 * (the node may die without parking anything), so it is written on open for connectionStateTtl
 * plus one refresh period, and every period (a third of connectionStateTtl) this node extends the
 * entries of its live sessions by as much, with one pipelined PEXPIRE each: when the node dies,
 * each of its entries has between connectionStateTtl and that plus a period left. A refresh never
 * recreates an entry (PEXPIRE of a missing key does nothing), so a taken or closed connection stays
 * gone; the price is that entries lost with a restarted Redis come back only when their connection
 * opens again (until then those connections resume only on their own node).
 *
 * <p>Taking is one script ({@code resume-take.lua}): it checks the credentials as a local resume
 * does (same app, same identity; else the entry stays and the answer is 80011), deletes the entry
 * (so one taker wins) and publishes {@code taken <connectionId> <node>} on {@value #CONTROL}, on the
 * same server. Every node listens on every server; the one holding the connection forgets its
 * parked state or ends its still-live session as superseded.
 *
 * <p>Blocking: {@link #take} waits for Redis, at most the command timeout, on the connecting
 * client's thread (an I/O event loop: its other connections wait too). It runs only for a key this
 * node does not hold, normally one round trip. When Redis cannot answer, the resume fails with
 * 80008 (the client gets a new connection): continuity is never guessed. Writes (open, park,
 * close, refresh) do not wait; one that fails is logged at debug and left (the connection then
 * resumes only on its own node).
 */
public final class RedisResumeStore implements ResumeStore {
    private static final Logger log = LoggerFactory.getLogger(RedisResumeStore.class);
    /** The cluster-wide control channel: one per Redis server, every node subscribed to each. */
    static final String CONTROL = "hb:ctl";
    private static final String WHAT = "resume the connection";

    private final ClusterNode node;
    private final List<Shard> shards;
    private final long ttlMillis;
    private final long periodMillis;
    private final Script save = Script.load("resume-save.lua");
    private final Script take = Script.load("resume-take.lua");
    private volatile Local local;

    /**
     * Subscribes to the control channel on every server (waiting for it, bounded: a server that
     * does not answer now is subscribed when Lettuce reconnects) and starts the refresh.
     *
     * @param connectionStateTtl how long a dropped connection stays resumable (Limits.connectionStateTtl, ms)
     */
    public RedisResumeStore(ClusterNode node, long connectionStateTtl) {
        if (connectionStateTtl <= 0) {
            throw new IllegalArgumentException("connectionStateTtl must be positive");
        }
        this.node = node;
        this.shards = node.shards();
        this.ttlMillis = connectionStateTtl;
        this.periodMillis = Math.max(1, connectionStateTtl / 3);
        CompletableFuture<?>[] subscribed = new CompletableFuture<?>[shards.size()];
        for (int i = 0; i < shards.size(); i++) {
            subscribed[i] = shards.get(i).listen(CONTROL, this::control).toCompletableFuture();
        }
        Outcome<Object> ready = Blocking.await(CompletableFuture.allOf(subscribed).thenApply(done -> (Object) "ok"),
                node.settings().commandTimeoutMillis(), "subscribe to the cluster's control channel");
        if (!ready.isOk()) {
            log.warn("cluster node {}: {} (resumes onto other nodes may leave a session open here until then)",
                    node.settings().nodeId(), ready.error().message());
        }
        node.every(periodMillis, this::refresh);
    }

    @Override
    public void attach(Local local) { this.local = local; }

    @Override
    public void opened(String connectionKey, Entry entry) {
        String key = key(connectionKey);
        ClientIdentity id = entry.identity();
        quietly(() -> shardOf(key).script(save, new String[] {key}, entry.connectionId(), entry.appId(), id.kind().name(),
                client(id), node.settings().nodeId(), Long.toString(ttlMillis + periodMillis)));
    }

    @Override
    public void parked(String connectionKey) {
        String key = key(connectionKey);
        quietly(() -> shardOf(key).async().pexpire(key, ttlMillis));
    }

    @Override
    public void closed(String connectionKey) {
        String key = key(connectionKey);
        quietly(() -> shardOf(key).async().del(key));
    }

    @Override
    public Outcome<Entry> take(String connectionKey, String appId, ClientIdentity identity) {
        String key = key(connectionKey);
        Shard shard = shardOf(key);
        Outcome<List<Object>> reply = shard.reachable()
                ? Blocking.await(shard.script(take, new String[] {key}, appId, identity.kind().name(),
                        client(identity), CONTROL, node.settings().nodeId()),
                        node.settings().commandTimeoutMillis(), WHAT)
                : Blocking.unreachable(WHAT);
        if (!reply.isOk()) {
            return Outcome.fail(ErrorCode.CONNECTION_NOT_RECOVERED.info(
                    "Unable to recover connection: the cluster's storage could not be asked; continuity was lost"));
        }
        List<Object> r = reply.value();
        switch (String.valueOf(r.get(0))) {
            case "taken" -> {
                String connectionId = String.valueOf(r.get(1));
                log.debug("conn={} taken over from node {}", connectionId, r.get(2));
                return Outcome.ok(new Entry(connectionId, appId, identity));
            }
            case "refused" -> {
                return Outcome.fail(ErrorCode.CONNECTION_RESUME_REFUSED.info(
                        "Unable to resume connection: the credentials are not those of the connection"));
            }
            default -> {
                return Outcome.fail(ErrorCode.CONNECTION_NOT_RECOVERED.info(
                        "Unable to recover connection: its state has expired or is unknown; continuity was lost"));
            }
        }
    }

    /**
     * The {@code client} field: the clientId of an identified connection, the clientId pattern of a
     * limited wildcard (the kind, stored beside it, keeps the two apart), else empty. A resume must
     * match it exactly, as a local one matches the whole identity.
     */
    private static String client(ClientIdentity identity) {
        if (identity.isIdentified()) {
            return identity.clientId();
        }
        return identity.pattern() == null ? "" : identity.pattern().toString();
    }

    /** A message on the control channel (Lettuce's thread): {@code taken <connectionId> <node>}. */
    private void control(String message) {
        String[] parts = message.split(" ", 3);
        Local here = local;
        if (parts.length != 3 || !parts[0].equals("taken")) {
            log.debug("unknown cluster control message ignored");
            return;
        }
        if (here != null && !parts[2].equals(node.settings().nodeId())) { // our own takes: the new session is ours
            here.takenElsewhere(parts[1]);
        }
    }

    /** Every period: the entries of this node's live sessions live another connectionStateTtl and period. */
    private void refresh() {
        Local here = local;
        if (here == null) {
            return;
        }
        for (String connectionKey : here.liveKeys()) {
            String key = key(connectionKey);
            Shard shard = shardOf(key);
            if (shard.reachable()) {
                quietly(() -> shard.async().pexpire(key, ttlMillis + periodMillis));
            }
        }
    }

    /** The entry of a connection key: a hash of it, so Redis never holds the secret. */
    static String key(String connectionKey) { return "hb:r:" + Blocking.sha256(connectionKey); }

    private Shard shardOf(String key) {
        long h = Long.parseLong(key.substring(5, 13), 16);
        return shards.get((int) (h % shards.size()));
    }

    /**
     * Issues a write whose failure only costs a resume on another node (never the connection it is
     * made for): a failure reported later, or thrown at once (a client already shut down), is logged.
     */
    private static void quietly(java.util.function.Supplier<CompletionStage<?>> write) {
        try {
            write.get().whenComplete((ok, failure) -> {
                if (failure != null) {
                    log.debug("cluster resume entry not written: {}", failure.toString());
                }
            });
        } catch (RuntimeException e) {
            log.debug("cluster resume entry not written: {}", e.toString());
        }
    }
}
