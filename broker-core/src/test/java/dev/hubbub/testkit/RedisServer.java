package dev.hubbub.testkit;

import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} process for tests: bound to 127.0.0.1 on a free port, persistence off
 * ({@code --save ""}, {@code --appendonly no}), working directory and log in a fresh temp dir.
 * {@link #start()} returns once the server answers PING. {@link #kill()} and {@link #restart()} are
 * for chaos tests: the server dies at once, then comes back empty on the same port.
 *
 * <p>{@link #command} speaks RESP over a plain socket (no client library), one connection per call.
 * Every wait is bounded; a server that does not come up fails with its own log in the message.
 * Needs {@code redis-server} on the PATH (Debian package {@code redis-server}; {@code .ci/run}
 * installs it).
 */
public final class RedisServer implements AutoCloseable {
    private static final long START_TIMEOUT_MS = 20_000;
    private static final long STOP_TIMEOUT_MS = 20_000;
    private static final int IO_TIMEOUT_MS = 10_000;
    /** A startup probe: short, so that whatever else accepted on the port cannot hold up the next look at the process. */
    private static final int PROBE_TIMEOUT_MS = 1_000;
    private static final int PORT_ATTEMPTS = 5;

    private final Path dir;
    private final Path logFile;
    private final int port;
    private Process process;
    private Thread reaper;

    private RedisServer(Path dir, int port) {
        this.dir = dir;
        this.logFile = dir.resolve("redis.log");
        this.port = port;
    }

    /** A new server on a free loopback port (another port if a race took the first one). */
    public static RedisServer start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("hubbub-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for redis-server", e);
        }
        IllegalStateException last = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            RedisServer server = new RedisServer(dir, freePort());
            try {
                server.launch();
                return server;
            } catch (IllegalStateException e) { // most likely the port was taken between probe and bind
                server.kill();
                last = e;
            }
        }
        deleteRecursively(dir);
        throw last;
    }

    public int port() { return port; }

    /** {@code redis://127.0.0.1:PORT} */
    public String uri() { return "redis://127.0.0.1:" + port; }

    /** The pid of the current process. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException("redis-server on port " + port + " is not running");
        }
        return process.pid();
    }

    /** Whether the current process is alive. */
    public synchronized boolean isRunning() { return process != null && process.isAlive(); }

    /** SIGTERM, then waits for the process to exit (SIGKILL if it has not within 20 s). */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!awaitExit(process)) {
            process.destroyForcibly();
            awaitExit(process);
        }
        ended();
    }

    /** SIGKILL, then waits for the process to exit: no shutdown; its clients see their connections end. */
    public synchronized void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        awaitExit(process);
        ended();
    }

    /** Starts a new process on the same port (stopping the current one first, if it still runs); it comes back empty. */
    public synchronized void restart() {
        stop();
        launch();
    }

    /** Stops the server and deletes its temp dir. */
    @Override
    public synchronized void close() {
        stop();
        deleteRecursively(dir);
    }

    /** The server's log so far (stdout and stderr), for failure messages. */
    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Sends one command and returns its reply as text: a status or a bulk string as is (a missing
     * bulk string as null), an integer in decimal, an array as its elements joined by {@code '\n'}
     * (empty: ""). An error reply throws IllegalStateException; no connection, UncheckedIOException.
     */
    public String command(String... args) { return command(IO_TIMEOUT_MS, args); }

    private String command(int timeoutMs, String... args) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeoutMs);
            socket.setSoTimeout(timeoutMs);
            OutputStream out = socket.getOutputStream();
            out.write(encode(args));
            out.flush();
            return reply(new BufferedInputStream(socket.getInputStream()), String.join(" ", args));
        } catch (IOException e) {
            throw new UncheckedIOException("redis-server on port " + port + ": " + e.getMessage(), e);
        }
    }

    private synchronized void launch() {
        List<String> cmd = List.of("redis-server", "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--daemonize", "no", "--logfile", "");
        try {
            Files.writeString(logFile, "--- " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8, CREATE, APPEND);
            process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run redis-server (install the Debian package redis-server): "
                    + e.getMessage(), e);
        }
        Process started = process;
        reaper = new Thread(started::destroyForcibly, "redis-" + port + "-reaper"); // a JVM that ends without close()
        Runtime.getRuntime().addShutdownHook(reaper);
        awaitPong(started);
    }

    /** Polls PING until this process (not another server holding the port) answers, within START_TIMEOUT_MS. */
    private void awaitPong(Process started) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!started.isAlive()) {
                throw failure(started, "exited with status " + started.exitValue() + " before answering PING");
            }
            String info;
            try {
                info = "PONG".equals(command(PROBE_TIMEOUT_MS, "PING")) ? command("INFO", "server") : null;
            } catch (UncheckedIOException | IllegalStateException notYet) { // refused, or an error reply such as LOADING
                info = null;
                last = notYet.getMessage();
            }
            if (info != null) {
                if (!info.contains("process_id:" + started.pid() + "\r\n")) {
                    throw failure(started, "did not bind: another server answers on port " + port);
                }
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw failure(started, "did not answer PING within " + START_TIMEOUT_MS + " ms (last: " + last + ")");
    }

    private IllegalStateException failure(Process started, String what) {
        return new IllegalStateException("redis-server on port " + port + " (pid " + started.pid() + ") " + what
                + "; its log (" + logFile + "):\n" + log());
    }

    private static boolean awaitExit(Process p) {
        try {
            return p.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private void ended() {
        process = null;
        if (reaper != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(reaper);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            reaper = null;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** A RESP array of bulk strings. */
    static byte[] encode(String... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String a : args) {
            byte[] bytes = a.getBytes(StandardCharsets.UTF_8);
            b.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(bytes);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    /** Reads one RESP2 reply; see {@link #command}. */
    static String reply(InputStream in, String command) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new IOException("connection closed before a reply to " + command);
        }
        String line = line(in);
        switch (type) {
            case '+', ':' -> {
                return line;
            }
            case '-' -> throw new IllegalStateException("redis error reply to " + command + ": " + line);
            case '$' -> {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(n + 2);
                if (bytes.length < n + 2) {
                    throw new IOException("connection closed inside a reply to " + command);
                }
                return new String(bytes, 0, n, StandardCharsets.UTF_8);
            }
            case '*' -> {
                int n = Integer.parseInt(line);
                List<String> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(reply(in, command));
                }
                return String.join("\n", items);
            }
            default -> throw new IOException("not a RESP2 reply to " + command + ": '" + (char) type + line + "'");
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed inside a reply");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind
        }
    }
}
