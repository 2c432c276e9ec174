package dev.hubbub.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hubbub.testkit.DroppingProxy.BrokerSide;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy against a plain TCP server that records what reaches it and whether its peers went away. */
class DroppingProxyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ServerSocket server;
    private final BlockingQueue<Socket> serverSides = new LinkedBlockingQueue<>();
    private final List<String> ended = new CopyOnWriteArrayList<>();
    private final StringBuffer received = new StringBuffer();
    private DroppingProxy proxy;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            try {
                for (;;) {
                    Socket s = server.accept();
                    serverSides.add(s);
                    Thread reader = new Thread(() -> read(s));
                    reader.setDaemon(true);
                    reader.start();
                }
            } catch (IOException e) {
                // closed
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = DroppingProxy.start(server.getLocalPort());
    }

    private void read(Socket s) {
        try (InputStream in = s.getInputStream()) {
            int b;
            while ((b = in.read()) >= 0) {
                received.append((char) b);
            }
            ended.add("eof");
        } catch (IOException e) {
            ended.add("error");
        }
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        server.close();
        for (Socket s : serverSides) {
            s.close();
        }
    }

    private Socket client() throws IOException { return new Socket(InetAddress.getLoopbackAddress(), proxy.port()); }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    @Test
    void forwardsBothWays() throws Exception {
        try (Socket c = client()) {
            send(c, "hello");
            await().atMost(TIMEOUT).until(() -> received.toString().equals("hello"));
            Socket s = serverSides.poll(10, TimeUnit.SECONDS);
            s.getOutputStream().write('x');
            assertEquals('x', c.getInputStream().read());
            assertEquals(1, proxy.forwarding());
        }
    }

    @Test
    void aCutLeavingTheBrokerSideOpenResetsTheClientOnlyAndForwardsNothingMore() throws Exception {
        Socket c = client();
        send(c, "a");
        await().atMost(TIMEOUT).until(() -> received.toString().equals("a"));
        Socket s = serverSides.poll(10, TimeUnit.SECONDS);
        assertEquals(1, proxy.cutAll(BrokerSide.LEAVE_OPEN));
        assertThrows(IOException.class, () -> c.getInputStream().read(), "the client is reset");
        s.getOutputStream().write("dropped".getBytes(StandardCharsets.US_ASCII)); // the broker's side still takes writes
        assertTrue(ended.isEmpty(), "the broker's side is still open: " + ended);
        assertEquals(0, proxy.abandonedEndedByBroker());
        s.close(); // the broker gives up on it
        await().atMost(TIMEOUT).until(() -> proxy.abandonedEndedByBroker() == 1);
        c.close();
    }

    @Test
    void aCutClosingTheBrokerSideResetsBoth() throws Exception {
        Socket c = client();
        send(c, "a");
        await().atMost(TIMEOUT).until(() -> received.toString().equals("a"));
        assertEquals(1, proxy.cutAll(BrokerSide.CLOSE));
        await().atMost(TIMEOUT).until(() -> ended.size() == 1);
        assertThrows(IOException.class, () -> c.getInputStream().read());
        c.close();
    }

    @Test
    void refusedConnectionsAreResetAndHeldOnesWaitForAdmission() throws Exception {
        proxy.refuseNew();
        try (Socket refused = client()) {
            await().atMost(TIMEOUT).until(() -> proxy.refused() == 1);
            assertThrows(IOException.class, () -> {
                // a reset shows as an error on read (or as an end of stream before it arrives); either way nothing is forwarded
                if (refused.getInputStream().read() < 0) {
                    throw new IOException("ended");
                }
            });
        }
        proxy.holdNew();
        try (Socket held = client()) {
            send(held, "early");
            await().atMost(TIMEOUT).until(() -> proxy.held() == 1);
            assertTrue(serverSides.isEmpty(), "not connected to the server while held");
            proxy.admitNew();
            await().atMost(TIMEOUT).until(() -> received.toString().equals("early"));
        }
    }

    @Test
    void aRetargetedProxySendsHeldAndNewConnectionsToTheOtherServerAndLeavesCurrentOnesWhereTheyAre() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 50, InetAddress.getLoopbackAddress()); Socket current = client()) {
            send(current, "a");
            await().atMost(TIMEOUT).until(() -> received.toString().equals("a"));
            proxy.holdNew();
            try (Socket held = client()) {
                send(held, "held");
                await().atMost(TIMEOUT).until(() -> proxy.held() == 1);
                proxy.retarget(other.getLocalPort());
                proxy.admitNew();
                other.setSoTimeout((int) TIMEOUT.toMillis());
                try (Socket there = other.accept()) {
                    assertEquals("held", new String(there.getInputStream().readNBytes(4), StandardCharsets.US_ASCII));
                }
            }
            try (Socket fresh = client()) {
                send(fresh, "new");
                try (Socket there = other.accept()) {
                    assertEquals("new", new String(there.getInputStream().readNBytes(3), StandardCharsets.US_ASCII));
                }
            }
            send(current, "b"); // the connection made before still goes to the first server
            await().atMost(TIMEOUT).until(() -> received.toString().equals("ab"));
        }
    }
}
