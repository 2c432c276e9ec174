package dev.hubbub.server.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ably.lib.realtime.AblyRealtime;
import io.ably.lib.realtime.Channel;
import io.ably.lib.realtime.ChannelState;
import io.ably.lib.realtime.CompletionListener;
import io.ably.lib.realtime.ConnectionState;
import io.ably.lib.rest.AblyRest;
import io.ably.lib.types.AblyException;
import io.ably.lib.types.ClientOptions;
import io.ably.lib.types.ErrorInfo;
import io.ably.lib.types.Message;
import io.ably.lib.util.Log;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * End to end with the official, unmodified ably-java SDK (1.2.54), in both of its wire formats:
 * JSON ({@code useBinaryProtocol=false}) and MessagePack ({@code true}).
 */
class AblySdkEndToEndTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static TestServer server;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception { server = TestServer.start(); }

    @AfterAll
    static void stopServer() { server.close(); }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
    }

    private static ClientOptions options(String key, String clientId, boolean binary) throws AblyException {
        ClientOptions o = new ClientOptions();
        o.key = key;
        o.clientId = clientId;
        o.realtimeHost = "127.0.0.1";
        o.restHost = "127.0.0.1";
        o.port = server.port();
        o.tls = false;
        o.environment = null;
        o.fallbackHosts = new String[0];
        o.useBinaryProtocol = binary;
        o.autoConnect = true;
        o.logLevel = Log.NONE;
        return o;
    }

    private AblyRealtime realtime(String key, String clientId, boolean binary) throws AblyException {
        AblyRealtime r = new AblyRealtime(options(key, clientId, binary));
        clients.add(r::close);
        return r;
    }

    private AblyRealtime connected(String key, String clientId, boolean binary) throws AblyException {
        AblyRealtime r = realtime(key, clientId, binary);
        await().atMost(TIMEOUT).until(() -> r.connection.state == ConnectionState.connected);
        assertFalse(r.connection.id.contains(":"), r.connection.id);
        return r;
    }

    /** Subscribes (which attaches) and waits for ATTACHED; returns what arrives. */
    private static List<Message> subscribe(AblyRealtime client, String channelName) throws AblyException {
        List<Message> received = new CopyOnWriteArrayList<>();
        Channel channel = client.channels.get(channelName);
        channel.subscribe(received::add);
        await().atMost(TIMEOUT).until(() -> channel.state == ChannelState.attached);
        return received;
    }

    /** A CompletionListener as a future: null on success, the ErrorInfo on failure. */
    private static final class Completion extends CompletableFuture<ErrorInfo> implements CompletionListener {
        @Override
        public void onSuccess() { complete(null); }

        @Override
        public void onError(ErrorInfo reason) { complete(reason == null ? new ErrorInfo("failed without a reason", 0) : reason); }

        ErrorInfo awaitOutcome() {
            await().atMost(TIMEOUT).until(this::isDone);
            return join();
        }

        void assertSucceeded() { assertNull(awaitOutcome(), "publish failed"); }
    }

    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void identifiedPublisherReachesAnotherClientWithItsClientId(boolean binary) throws Exception {
        String channel = TestServer.uniqueChannel("sdk");
        AblyRealtime bob = connected(TestServer.FULL_KEY, "bob", binary);
        List<Message> received = subscribe(bob, channel);
        AblyRealtime alice = connected(TestServer.FULL_KEY, "alice", binary);
        assertEquals("alice", alice.auth.clientId);

        Completion published = new Completion();
        alice.channels.get(channel).publish("greeting", "hello", published);
        published.assertSucceeded();

        await().atMost(TIMEOUT).until(() -> !received.isEmpty());
        Message m = received.get(0);
        assertEquals("greeting", m.name);
        assertEquals("hello", m.data);
        assertEquals("alice", m.clientId);
        assertEquals(alice.connection.id, m.connectionId);
        assertTrue(m.id.startsWith(alice.connection.id + ":"), m.id);
        assertTrue(m.timestamp > 0);
        assertEquals(1, received.size());
    }

    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void keyOnlyClientIsWildcardAndMayNameAnyClientId(boolean binary) throws Exception {
        String channel = TestServer.uniqueChannel("wild");
        AblyRealtime subscriber = connected(TestServer.FULL_KEY, null, binary);
        List<Message> received = subscribe(subscriber, channel);
        AblyRealtime service = connected(TestServer.FULL_KEY, null, binary);
        assertEquals("*", service.auth.clientId);

        Message m = new Message("n", "on behalf");
        m.clientId = "carol";
        Completion published = new Completion();
        service.channels.get(channel).publish(m, published);
        published.assertSucceeded();
        await().atMost(TIMEOUT).until(() -> !received.isEmpty());
        assertEquals("carol", received.get(0).clientId);
    }

    @ParameterizedTest(name = "publisher useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void binaryDataCrossesWireFormats(boolean publisherBinary) throws Exception {
        String channel = TestServer.uniqueChannel("bytes");
        AblyRealtime subscriber = connected(TestServer.FULL_KEY, "sub", !publisherBinary);
        List<Message> received = subscribe(subscriber, channel);
        AblyRealtime publisher = connected(TestServer.FULL_KEY, "pub", publisherBinary);
        byte[] payload = {0, 1, 2, (byte) 0xfe, (byte) 0xff};
        publisher.channels.get(channel).publish("bytes", payload);
        await().atMost(TIMEOUT).until(() -> !received.isEmpty());
        assertArrayEquals(payload, (byte[]) received.get(0).data);
    }

    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void restPublishWithClientIdReachesRealtimeSubscriber(boolean binary) throws Exception {
        String channel = TestServer.uniqueChannel("rest");
        AblyRealtime subscriber = connected(TestServer.FULL_KEY, null, binary);
        List<Message> received = subscribe(subscriber, channel);

        AblyRest rest = new AblyRest(options(TestServer.FULL_KEY, "carol", binary));
        clients.add(rest);
        rest.channels.get(channel).publish("from-rest", "hello over REST");

        await().atMost(TIMEOUT).until(() -> !received.isEmpty());
        assertEquals("carol", received.get(0).clientId);
        assertEquals("hello over REST", received.get(0).data);
        assertTrue(Math.abs(rest.time() - System.currentTimeMillis()) < 60_000);
    }

    /**
     * The app sees a change to FAILED with 40101. (ably-java 1.2.54 closes its own transport when it
     * reads a connection ERROR and handles the ERROR on another thread; about one connect in twelve,
     * in either format and whatever the broker does after the ERROR, it emits "failed" and then a
     * late "disconnected", so {@code connection.state} can end up reading disconnected although its
     * connection manager has failed and never retries. Hence the check on the emitted change.)
     * The listener is in place before the client connects: with autoConnect the SDK fails 15-30 ms
     * after its constructor, and a test thread held up that long (a busy CI machine, the first
     * link of a lambda) missed the change and waited out the timeout. Should the SDK ever take the
     * transport's close before the ERROR it read on it, it would retry after disconnectedRetryTimeout
     * and fail on the retry's ERROR: short here, so that too ends within the timeout.
     */
    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void wrongKeyFailsTheConnection(boolean binary) throws Exception {
        ClientOptions o = options("app1.full:not-the-secret", null, binary);
        o.autoConnect = false;
        o.disconnectedRetryTimeout = 500;
        AblyRealtime r = new AblyRealtime(o);
        clients.add(r::close);
        List<io.ably.lib.realtime.ConnectionStateListener.ConnectionStateChange> changes = new CopyOnWriteArrayList<>();
        r.connection.on(changes::add);
        r.connect();
        await().atMost(TIMEOUT).untilAsserted(() -> assertTrue(changes.stream().anyMatch(c -> c.current == ConnectionState.failed),
                () -> "state " + r.connection.state + "; changes " + changes.stream()
                        .map(c -> c.previous + "->" + c.current + (c.reason != null ? "(" + c.reason.code + ")" : "")).toList()));
        ErrorInfo reason = changes.stream().filter(c -> c.current == ConnectionState.failed).findFirst().orElseThrow().reason;
        assertEquals(40101, reason.code);
        assertEquals(401, reason.statusCode);
        assertTrue(changes.stream().noneMatch(c -> c.current == ConnectionState.connected), changes::toString);
    }

    @ParameterizedTest(name = "useBinaryProtocol={0}")
    @ValueSource(booleans = {false, true})
    void subscribeOnlyKeyCannotPublish(boolean binary) throws Exception {
        String channel = TestServer.uniqueChannel("ro");
        AblyRealtime reader = connected(TestServer.SUBSCRIBE_ONLY_KEY, "reader", binary);
        subscribe(reader, channel);
        Completion published = new Completion();
        reader.channels.get(channel).publish("n", "nope", published);
        ErrorInfo error = published.awaitOutcome();
        assertTrue(error != null && (error.code == 40160 || error.code == 40165), String.valueOf(error));
        assertEquals(ConnectionState.connected, reader.connection.state);
    }
}
