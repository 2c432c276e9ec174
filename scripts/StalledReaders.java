import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Load for scripts/stalled-readers: SUBSCRIBERS raw WebSocket connections attach to one channel and
 * then never read again; one publisher sends small messages (200 bytes of data) to it at RATE a second
 * (or as fast as the broker takes them, if slower), reading its ACKs on a thread of its own, for
 * SECONDS. Every frame the broker sends a stalled subscriber piles up in the broker. Prints what was
 * published each second.
 *   java scripts/StalledReaders.java PORT KEY SUBSCRIBERS SECONDS RATE
 */
public class StalledReaders {
    private static final String CHANNEL = "stalled-readers";

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String key = args[1];
        int subscribers = Integer.parseInt(args[2]);
        long seconds = Long.parseLong(args[3]);
        double rate = Double.parseDouble(args[4]);
        List<Socket> stalled = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            Socket s = open(port, key, 4096);
            s.getOutputStream().write(masked("{\"action\":10,\"channel\":\"" + CHANNEL + "\"}"));
            stalled.add(s);
        }
        Socket publisher = open(port, key, 0);
        Thread acks = new Thread(() -> discard(publisher), "acks");
        acks.setDaemon(true);
        acks.start();
        OutputStream out = publisher.getOutputStream();
        String data = "x".repeat(200);
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        long serial = 0;
        long start = System.nanoTime();
        long next = start + 1_000_000_000L;
        while (System.nanoTime() - start < seconds * 1_000_000_000L) {
            long due = start + (long) (serial / rate * 1e9);
            java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
            batch.reset();
            for (int i = 0; i < 50; i++) {
                batch.write(masked("{\"action\":15,\"channel\":\"" + CHANNEL + "\",\"msgSerial\":" + serial++
                        + ",\"messages\":[{\"name\":\"m\",\"data\":\"" + data + "\"}]}"));
            }
            try {
                out.write(batch.toByteArray()); // blocks while the broker does not read: the publisher goes at its pace
            } catch (IOException e) {
                System.out.println("publisher: " + e.getMessage());
                break;
            }
            if (System.nanoTime() - next >= 0) {
                next += 1_000_000_000L;
                System.out.println("published " + serial);
            }
        }
        System.out.println("done: published " + serial);
        for (Socket s : stalled) {
            s.close();
        }
        publisher.close();
    }

    /** A WebSocket connection upgraded with the key (receive buffer {@code receiveBuffer} bytes when > 0). */
    private static Socket open(int port, String key, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.getOutputStream().write(("GET /?key=" + key + "&format=json&v=6&echo=false HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during the handshake: " + head);
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("not upgraded: " + head.toString().lines().findFirst().orElse(""));
        }
        return s;
    }

    private static void discard(Socket s) {
        byte[] buf = new byte[64 * 1024];
        try {
            InputStream in = s.getInputStream();
            while (in.read(buf) >= 0) {
                // ACKs: read so that the publisher keeps up
            }
        } catch (IOException closed) {
            // the run is over
        }
    }

    /** A client (masked) text frame. */
    private static byte[] masked(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xff);
        }
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        return frame.toByteArray();
    }
}
