package dev.hubbub.cluster;

import dev.hubbub.core.channel.ChannelKey;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Names in Redis. Everything of one channel shares one prefix, {@code hb:{app|channel}}, with the
 * app and channel name escaped so no name can pose as another app's (apps stay apart in Redis as
 * they do in memory) and so all of a channel's keys fall in one Redis Cluster slot (the braces).
 */
final class RedisKeys {
    private RedisKeys() {}

    /** The prefix of every key of one channel. */
    static String channel(ChannelKey key) {
        return "hb:{" + escape(key.appId()) + '|' + escape(key.name()) + '}';
    }

    /** The channel's position: hash of {@code e} (epoch) and {@code o} (last offset). */
    static String meta(String prefix) { return prefix + ":m"; }

    /** The channel's log: a stream whose entry ids are {@code offset-0}. */
    static String stream(String prefix) { return prefix + ":s"; }

    /** The pub/sub channel a channel's new entries are announced on. */
    static String feed(String prefix) { return prefix + ":f"; }

    /** The answer given to a realtime publish, by its id base (so a resend, on any node, gets it again). */
    static String answer(String prefix, String idBase) { return prefix + ":a:" + idBase; }

    /** The channel's presence members: a hash of {@link StoredPresence#field} to {@link StoredPresence#member}. */
    static String members(String prefix) { return prefix + ":p"; }

    /** The channels where a node owns presence members (one set per node on each server), for reaping them when it dies. */
    static String nodeChannels(String nodeId) { return "hb:node:" + nodeId + ":ch"; }

    /**
     * The connections one clientId of one app holds, a hash of node id to count (its braces keep
     * it in one Redis Cluster slot; app and clientId escaped as a channel's are).
     */
    static String clientIdConnections(String appId, String clientId) {
        return "hb:cid:{" + escape(appId) + '|' + escape(clientId) + '}';
    }

    /** The nodes that own presence members on a server, scored by their last heartbeat (epoch ms). */
    static final String NODES = "hb:nodes";

    /** The prefix of the ids clients chose, remembered for the de-duplication window. */
    static String ids(String prefix) { return prefix + ":i:"; }

    /**
     * An epoch for a channel that has none yet, sent with every write (the scripts use it only
     * then): 10 base-36 characters from a fast generator, not the secure one, which would cost a
     * publish more than the rest of its preparation.
     */
    static String freshEpoch() {
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        char[] c = new char[10];
        for (int i = 0; i < c.length; i++) {
            c[i] = Character.forDigit(r.nextInt(36), 36);
        }
        return new String(c);
    }

    /** Which of the servers a channel lives on: a hash of app and name. */
    static int shard(ChannelKey key, int shards) {
        CRC32 crc = new CRC32();
        crc.update(key.appId().getBytes(StandardCharsets.UTF_8));
        crc.update(0);
        crc.update(key.name().getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % shards);
    }

    /** Escapes {@code % { } |} and control characters, so the prefix parses one way only. */
    static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean special = c == '%' || c == '{' || c == '}' || c == '|' || c < 0x20;
            if (special && b == null) {
                b = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (b != null) {
                if (special) {
                    b.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? s : b.toString();
    }
}
