package dev.hubbub.cluster;

import dev.hubbub.testkit.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * One real Redis per test class, nodes per test: after each test the nodes are closed, a Redis a
 * test killed is started again, and everything it held is flushed.
 */
abstract class ClusterTestBase {
    static RedisServer redis;
    final Nodes nodes = new Nodes(redis);

    @BeforeAll
    static void startRedis() { redis = RedisServer.start(); }

    @AfterAll
    static void stopRedis() { redis.close(); }

    @AfterEach
    void closeNodes() {
        nodes.close();
        if (!redis.isRunning()) {
            redis.restart();
        }
        redis.command("FLUSHALL");
    }
}
