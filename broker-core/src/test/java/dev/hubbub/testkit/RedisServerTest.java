package dev.hubbub.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fixture against the real redis-server: it starts, answers, dies on demand and comes back. */
class RedisServerTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private RedisServer redis;

    @BeforeEach
    void start() { redis = RedisServer.start(); }

    @AfterEach
    void stop() { redis.close(); }

    private static boolean alive(long pid) { return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); }

    @Test
    void answersOnLoopbackWithPersistenceOff() {
        assertEquals("PONG", redis.command("PING"));
        assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
        assertTrue(alive(redis.pid()));
        assertEquals("bind\n127.0.0.1", redis.command("CONFIG", "GET", "bind"));
        assertEquals("save\n", redis.command("CONFIG", "GET", "save"), "no RDB snapshots");
        assertEquals("appendonly\nno", redis.command("CONFIG", "GET", "appendonly"));
    }

    @Test
    void commandReturnsEachKindOfReplyAsText() {
        assertEquals("OK", redis.command("SET", "greeting", "héllo wörld"));
        assertEquals("héllo wörld", redis.command("GET", "greeting"));
        assertNull(redis.command("GET", "missing"));
        assertEquals("3", redis.command("RPUSH", "list", "a", "b", "c"));
        assertEquals("a\nb\nc", redis.command("LRANGE", "list", "0", "-1"));
        assertEquals("", redis.command("KEYS", "nothing:*"));
        assertEquals("2", redis.command("DBSIZE"));
        List<String> keys = Arrays.asList(redis.command("KEYS", "*").split("\n"));
        assertEquals(List.of("greeting", "list"), keys.stream().sorted().toList());
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> redis.command("INCR", "list"));
        assertTrue(error.getMessage().contains("WRONGTYPE"), error.getMessage());
    }

    @Test
    void readsNestedAndNullRepliesFromRawBytes() throws IOException {
        InputStream in = new ByteArrayInputStream("*3\r\n:1\r\n*2\r\n+x\r\n$-1\r\n$0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("1\nx\nnull\n", RedisServer.reply(in, "test"));
        assertThrows(IOException.class, () -> RedisServer.reply(new ByteArrayInputStream(new byte[0]), "test"));
        assertArrayEquals("*2\r\n$3\r\nGET\r\n$3\r\nk\u00e9\r\n".getBytes(StandardCharsets.UTF_8),
                RedisServer.encode("GET", "k\u00e9"), "bulk lengths count UTF-8 bytes");
    }

    @Test
    void twoServersGetTheirOwnPortsAndData() {
        try (RedisServer other = RedisServer.start()) {
            assertNotEquals(redis.port(), other.port());
            redis.command("SET", "k", "1");
            assertEquals("0", other.command("DBSIZE"));
            assertEquals("1", redis.command("DBSIZE"));
        }
    }

    @Test
    void killDropsClientsAndRestartComesBackEmptyOnTheSamePort() throws IOException {
        redis.command("SET", "k", "v");
        int port = redis.port();
        long pid = redis.pid();
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            redis.kill();
            assertFalse(alive(pid));
            assertFalse(redis.isRunning());
            // a client of the killed server sees its connection end (EOF or reset)
            await().atMost(TIMEOUT).until(() -> {
                try {
                    return client.getInputStream().read() < 0;
                } catch (IOException reset) {
                    return true;
                }
            });
        }
        assertThrows(UncheckedIOException.class, () -> redis.command("PING"));

        redis.restart();
        assertEquals(port, redis.port());
        assertNotEquals(pid, redis.pid());
        assertEquals("PONG", redis.command("PING"));
        assertEquals("0", redis.command("DBSIZE"), "nothing persisted across the restart");
    }

    @Test
    void stopEndsTheProcessAndRestartTakesTheSamePort() {
        long pid = redis.pid();
        redis.stop();
        assertFalse(alive(pid));
        assertThrows(IllegalStateException.class, redis::pid);
        assertThrows(UncheckedIOException.class, () -> redis.command("PING"));
        redis.restart();
        assertEquals("PONG", redis.command("PING"));
        assertEquals("redis://127.0.0.1:" + redis.port(), redis.uri());
        assertTrue(redis.log().contains("Ready to accept connections"), redis.log());
    }

    @Test
    void aServerThatCannotBindFailsWithItsLog() throws IOException {
        redis.stop();
        try (ServerSocket squatter = new ServerSocket(redis.port(), 1, InetAddress.getLoopbackAddress())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, redis::restart);
            assertTrue(e.getMessage().contains("before answering PING"), e.getMessage());
            assertTrue(e.getMessage().contains("Address already in use"), "the server's own output: " + e.getMessage());
        }
    }
}
