package dev.hubbub.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/hubbub, the README's run command: the JVM flags it passes, with a stand-in for java that
 * records its arguments (the test needs no built jar and starts no JVM).
 */
class LauncherScriptTest {
    private static final Path SCRIPT = Path.of("..", "bin", "hubbub").toAbsolutePath().normalize();

    @TempDir
    Path dir;
    private Path fakeJava;
    private Path jar;
    private Path recorded;

    @BeforeEach
    void standIns() throws IOException {
        recorded = dir.resolve("args");
        fakeJava = dir.resolve("java");
        // answers the launcher's probe (-version) as a JVM that knows every flag; records the real start
        Files.writeString(fakeJava, """
                #!/usr/bin/env bash
                for a in "$@"; do [ "$a" = -version ] && exit 0; done
                printf '%s\\n' "$@" > "$RECORD"
                echo "MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX HUBBUB_LAUNCHER=$HUBBUB_LAUNCHER" >> "$RECORD"
                """);
        Files.setPosixFilePermissions(fakeJava, PosixFilePermissions.fromString("rwx------"));
        jar = Files.writeString(dir.resolve("broker-server.jar"), "not a jar: the stand-in never opens it");
    }

    private List<String> run(String userOpts, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(SCRIPT.toString());
        pb.command().addAll(List.of(args));
        Map<String, String> env = pb.environment();
        env.put("JAVA", fakeJava.toString());
        env.put("HUBBUB_JAR", jar.toString());
        env.put("RECORD", recorded.toString());
        env.remove("MALLOC_ARENA_MAX");
        if (userOpts != null) {
            env.put("HUBBUB_JAVA_OPTS", userOpts);
        } else {
            env.remove("HUBBUB_JAVA_OPTS");
        }
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the launcher did not finish");
        assertEquals(0, p.exitValue(), out);
        return Files.readAllLines(recorded);
    }

    @Test
    void byDefaultTheParallelCollectorWithASmallYoungGenerationAndTightFreeRatios() throws Exception {
        List<String> args = run(null, "--port", "0");
        assertTrue(args.containsAll(List.of("-XX:+UseParallelGC", "-Xmn16m", "-XX:MinHeapFreeRatio=10",
                "-XX:MaxHeapFreeRatio=20")), args::toString);
        // the JVM's periodic trim ran under full load too; the broker trims when quiet (QuietTrim)
        assertFalse(args.stream().anyMatch(a -> a.startsWith("-XX:TrimNativeHeapInterval")), args::toString);
        int jarAt = args.indexOf("-jar");
        assertEquals(jar.toString(), args.get(jarAt + 1));
        assertEquals(List.of("--port", "0"), args.subList(jarAt + 2, jarAt + 4), "the broker's own options after the jar");
        assertEquals("MALLOC_ARENA_MAX=2 HUBBUB_LAUNCHER=bin/hubbub", args.get(args.size() - 1));
    }

    @Test
    void aCollectorNamedInHubbubJavaOptsReplacesTheLaunchersAndUserFlagsComeAfterItsOwn() throws Exception {
        for (String gc : List.of("-XX:+UseG1GC", "-XX:+UseZGC", "-XX:+UseSerialGC")) {
            List<String> args = run(gc + " -Xmx2g");
            assertFalse(args.contains("-XX:+UseParallelGC"), gc + ": " + args);
            assertFalse(args.contains("-Xmn16m"), gc + ": " + args);
            assertTrue(args.indexOf(gc) < args.indexOf("-jar") && args.indexOf("-Xmx2g") > args.indexOf("-XX:MaxHeapFreeRatio=20"),
                    args::toString);
        }
        List<String> plain = run("-Xmx2g");
        assertTrue(plain.contains("-XX:+UseParallelGC") && plain.indexOf("-Xmx2g") > plain.indexOf("-XX:+UseParallelGC"),
                plain::toString);
    }

    @Test
    void aJavaWhoseVersionCannotBeToldStartsWithTheCommonFlagsOnly() throws Exception {
        Files.writeString(fakeJava, """
                #!/usr/bin/env bash
                for a in "$@"; do [ "$a" = -version ] && exit 1; done
                printf '%s\\n' "$@" > "$RECORD"
                """);
        List<String> args = run(null);
        assertFalse(args.contains("--sun-misc-unsafe-memory-access=allow"), args::toString);
        assertTrue(args.contains("-XX:+UseParallelGC"), args::toString);
    }

    @Test
    void onJdk24AndLaterTheNativeMemoryWarningsAreAnsweredAndNotBefore() throws Exception {
        for (int feature : new int[] {17, 21, 24, 25}) {
            Files.writeString(fakeJava, """
                    #!/usr/bin/env bash
                    for a in "$@"; do
                      [ "$a" = -version ] && { echo "    java.specification.version = %d" >&2; exit 0; }
                    done
                    printf '%%s\\n' "$@" > "$RECORD"
                    """.formatted(feature));
            List<String> args = run(null);
            boolean expected = feature >= 24;
            assertEquals(expected, args.contains("--sun-misc-unsafe-memory-access=allow"), feature + ": " + args);
            assertEquals(expected, args.contains("--enable-native-access=ALL-UNNAMED"), feature + ": " + args);
            assertTrue(args.indexOf("-jar") > args.indexOf("-XX:MaxHeapFreeRatio=20"), args::toString);
        }
    }
}
