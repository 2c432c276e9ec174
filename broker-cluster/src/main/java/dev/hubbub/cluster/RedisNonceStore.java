package dev.hubbub.cluster;

import dev.hubbub.core.auth.NonceStore;
import dev.hubbub.core.protocol.Outcome;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

/**
 * TokenRequest nonces remembered in Redis, so a request exchanged on one node is a replay on
 * every other: one {@code SET key 1 NX PX ms} per request, on the server a hash of the key name
 * picks (every nonce of one key on one server).
 *
 * <p>Nothing of the request is stored in clear: the Redis key is {@code hb:n:{keyName}:sha256(nonce)},
 * with the key name escaped as channel names are; apps stay apart because a key name starts with
 * its app id. A key's nonces are not bounded in number as the local store's are: they are a few
 * dozen bytes each, live for twice the timestamp window, and only a holder of the key's secret
 * can sign requests that reach the store.
 *
 * <p>Blocking: {@link #firstUse} waits for Redis, at most the command timeout (the requestToken
 * HTTP route's thread waits with it; one round trip normally). Fail closed: when the server is
 * unreachable the answer is 50002, when it does not answer in time 50003, and the TokenRequest is
 * refused; the client asks its auth server for a new TokenRequest (after a timeout the nonce may
 * have been recorded, so the same request may now be a replay).
 */
public final class RedisNonceStore implements NonceStore {
    private static final String WHAT = "check the TokenRequest";

    private final List<Shard> shards;
    private final long timeoutMillis;

    public RedisNonceStore(ClusterNode node) {
        this.shards = node.shards();
        this.timeoutMillis = node.settings().commandTimeoutMillis();
    }

    @Override
    public Outcome<Boolean> firstUse(String keyName, String nonce, long rememberMillis) {
        Shard shard = shards.get(shard(keyName, shards.size()));
        if (!shard.reachable()) {
            return Blocking.unreachable(WHAT);
        }
        return Blocking.await(shard.async().set(key(keyName, nonce), "1", SetArgs.Builder.nx().px(Math.max(1, rememberMillis)))
                .thenApply("OK"::equals), timeoutMillis, WHAT);
    }

    /** The Redis key remembering one nonce of one API key. */
    static String key(String keyName, String nonce) {
        return "hb:n:{" + RedisKeys.escape(keyName) + "}:" + Blocking.sha256(nonce);
    }

    static int shard(String keyName, int shards) {
        CRC32 crc = new CRC32();
        crc.update(keyName.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards);
    }
}
